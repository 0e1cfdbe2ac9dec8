package dev.virtgate.support.outbox;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * How far the relay is behind: {@code virtgate_outbox_unsent} (rows not yet acknowledged by the
 * broker) and {@code virtgate_outbox_lag_seconds} (age of the oldest of them, 0 when none). Read
 * from the table on a timer, so rows another instance left behind count too; the age is computed
 * at scrape time from the oldest row's time, so it keeps growing between two reads.
 */
@ApplicationScoped
public class OutboxLag {
    @Inject
    MeterRegistry meters;

    @Inject
    EntityManager em;

    // the gauges hold these weakly: this bean keeps them alive
    private final AtomicLong unsent = new AtomicLong();
    private final AtomicReference<Instant> oldest = new AtomicReference<>();

    void register(@Observes StartupEvent start) {
        Gauge.builder("virtgate.outbox.unsent", unsent, AtomicLong::doubleValue)
                .description("outbox rows not yet acknowledged by the broker").register(meters);
        Gauge.builder("virtgate.outbox.lag", oldest, OutboxLag::secondsSince).baseUnit("seconds")
                .description("age of the oldest outbox row not yet acknowledged by the broker").register(meters);
    }

    @Scheduled(every = "${virtgate.outbox.lag-interval:10s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void refresh() {
        Object[] row = em.createQuery("select count(o), min(o.ceTime) from OutboxEvent o where o.publishedAt is null",
                Object[].class).getSingleResult();
        unsent.set(((Number) row[0]).longValue());
        oldest.set((Instant) row[1]);
    }

    private static double secondsSince(AtomicReference<Instant> oldest) {
        Instant time = oldest.get();
        return time == null ? 0 : Math.max(0, Duration.between(time, Instant.now()).toMillis() / 1000.0);
    }
}
