package dev.virtgate.support.outbox;

import dev.virtgate.bus.BusRefusal;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.support.config.ServiceIdentity;
import dev.virtgate.support.trust.SignatureHeaders;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.context.api.ManagedExecutorConfig;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.persistence.LockModeType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.context.ThreadContext;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Relays committed outbox rows to Kafka, marking them published only after the broker acknowledged
 * them. Delivery is at-least-once; consumers deduplicate by ce_id. What goes out when, and what gets
 * marked, is {@link OutboxPump}'s; this bean connects it to the table, the emitter and the timer.
 *
 * <p>A row may go out twice: when it commits while the table is being drained, when another instance
 * drains the table while this one sends from memory, or when the broker took it after the relay gave
 * up waiting; never zero times.
 */
@ApplicationScoped
public class OutboxRelay {

    @Inject
    @Channel("outbox")
    MutinyEmitter<byte[]> emitter;

    /**
     * Without the caller's contexts: a relay started from a request thread must not share that
     * request's Hibernate session (two threads on one JDBC statement: "This statement has been closed").
     */
    @Inject
    @ManagedExecutorConfig(propagated = {}, cleared = ThreadContext.ALL_REMAINING)
    ManagedExecutor executor;

    @Inject
    SignatureHeaders signatures;

    @Inject
    ServiceIdentity identity;

    @Inject
    OutboxConfig config;

    private OutboxPump pump;

    @PostConstruct
    void init() {
        pump = new OutboxPump(new PanacheTable(), row -> emitter.sendMessage(toMessage(row)), config.batchSize(),
                config.sendTimeout(), config.sweepAfter(), Clock.systemUTC(),
                e -> BusRefusal.explain(e, identity.name()));
    }

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxRecord row) {
        pump.committed(row);
        executor.execute(pump::relay);
    }

    @Scheduled(every = "${virtgate.outbox.poll-interval:1s}", delayed = "${virtgate.outbox.poll-delay:3s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = WhileRunning.class)
    void poll() {
        pump.tick();
    }

    /**
     * The timer may fire before reactive messaging has wired the {@code outbox} channel (a slow start):
     * calling {@link #poll()} would then create this bean and fail to inject the emitter. So the timer
     * is skipped, without touching this bean, until the application has started, and again once it
     * stops: the database goes away during shutdown, and every tick would log a failed sweep.
     */
    @Singleton
    public static class WhileRunning implements Scheduled.SkipPredicate {
        private volatile boolean running;

        void onStart(@Observes StartupEvent event) {
            running = true;
        }

        void onStop(@Observes ShutdownEvent event) {
            running = false;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !running;
        }
    }

    /** The outbox table through Panache. */
    private static final class PanacheTable implements OutboxPump.Table {

        @Override
        public <T> T inNewTransaction(Supplier<T> work) {
            return QuarkusTransaction.requiringNew().call(work::get);
        }

        @Override
        public List<OutboxRecord> lockUnpublished(Instant writtenBefore, int limit) {
            PanacheQuery<OutboxEvent> pending = writtenBefore == null
                    ? OutboxEvent.find("publishedAt is null order by id")
                    : OutboxEvent.find("publishedAt is null and ceTime < ?1 order by id", writtenBefore);
            return pending.withLock(LockModeType.PESSIMISTIC_WRITE)
                    .withHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED: another instance owns them
                    .page(0, limit).list().stream().map(OutboxRecord::of).toList();
        }

        @Override
        public void setPublished(List<Long> ids) {
            // one statement for the batch, not one UPDATE per row at flush
            OutboxEvent.update("publishedAt = ?1, attempts = attempts + 1 where id in ?2", Instant.now(), ids);
        }

        @Override
        public boolean hasUnpublishedBefore(Instant writtenBefore) {
            return OutboxEvent.count("publishedAt is null and ceTime < ?1", writtenBefore) > 0;
        }
    }

    @Scheduled(every = "1h", delayed = "1m")
    void purgePublished() {
        QuarkusTransaction.requiringNew().run(() ->
                OutboxEvent.delete("publishedAt < ?1", Instant.now().minus(config.retention())));
    }

    /** A row whose signer chain is not published yet fails like a broker outage: it waits in the table. */
    private Message<byte[]> toMessage(OutboxRecord row) {
        Map<String, String> signed = signatures.of(row).orElseThrow(() -> new IllegalStateException(
                "no signer certificate for " + row.signature().split(":")[1] + " of this service's key published yet"));
        RecordHeaders headers = new RecordHeaders();
        add(headers, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0);
        add(headers, CloudEventHeaders.ID, row.eventId().toString());
        add(headers, CloudEventHeaders.SOURCE, row.ceSource());
        add(headers, CloudEventHeaders.TYPE, row.ceType());
        add(headers, CloudEventHeaders.TIME, row.ceTime().toString());
        add(headers, CloudEventHeaders.SUBJECT, row.recordKey());
        add(headers, CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON);
        signed.forEach((name, value) -> add(headers, name, value));
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.topic()).withKey(row.recordKey()).withHeaders(headers).build();
        return Message.of(row.payload().getBytes(StandardCharsets.UTF_8)).addMetadata(metadata);
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
