package dev.virtgate.support.outbox;

import dev.virtgate.contracts.CloudEventHeaders;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import io.smallrye.reactive.messaging.MutinyEmitter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.persistence.LockModeType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.context.ManagedExecutor;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Relays committed outbox rows to Kafka in id order, marking each published only after the broker
 * acknowledged it. Runs right after a commit and on a timer, so nothing is lost while the broker
 * is down: rows simply wait. Delivery is at-least-once; consumers deduplicate by ce_id.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

    @Inject
    @Channel("outbox")
    MutinyEmitter<byte[]> emitter;

    @Inject
    ManagedExecutor executor;

    @ConfigProperty(name = "virtgate.outbox.batch-size", defaultValue = "500")
    int batchSize;

    @ConfigProperty(name = "virtgate.outbox.send-timeout", defaultValue = "PT10S")
    Duration sendTimeout;

    @ConfigProperty(name = "virtgate.outbox.retention", defaultValue = "P1D")
    Duration retention;

    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxWritten written) {
        executor.execute(this::relayPending);
    }

    @Scheduled(every = "${virtgate.outbox.poll-interval:1s}", delayed = "${virtgate.outbox.poll-delay:3s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = UntilStarted.class)
    void poll() {
        relayPending();
    }

    /**
     * The timer may fire before reactive messaging has wired the {@code outbox} channel (a slow start):
     * calling {@link #poll()} would then create this bean and fail to inject the emitter. So the timer
     * is skipped, without touching this bean, until the application has started.
     */
    @Singleton
    public static class UntilStarted implements Scheduled.SkipPredicate {
        private volatile boolean started;

        void onStart(@Observes StartupEvent event) {
            started = true;
        }

        @Override
        public boolean test(ScheduledExecution execution) {
            return !started;
        }
    }

    /**
     * Relays until no pending row is left. One relay runs at a time per process; a call that finds
     * one running leaves a mark so that the running relay looks again before it stops.
     */
    public void relayPending() {
        again.set(true);
        while (again.get() && running.compareAndSet(false, true)) {
            try {
                while (again.getAndSet(false)) {
                    int sent;
                    do {
                        sent = QuarkusTransaction.requiringNew().call(this::relayBatch);
                    } while (sent == batchSize);
                }
            } catch (RuntimeException e) {
                again.set(false); // the timer retries; no hot loop while the broker is away
                LOG.warnf("outbox relay paused, will retry: %s", e.getMessage());
            } finally {
                running.set(false);
            }
        }
    }

    int relayBatch() {
        List<OutboxEvent> batch = OutboxEvent.<OutboxEvent>find("publishedAt is null order by id")
                .withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED: another instance owns them
                .page(0, batchSize).list();
        if (batch.isEmpty()) {
            return 0;
        }
        List<Uni<Void>> acks = new ArrayList<>(batch.size());
        List<Long> ids = new ArrayList<>(batch.size());
        for (OutboxEvent row : batch) {
            acks.add(emitter.sendMessage(toMessage(row)));
            ids.add(row.id);
        }
        // Sent in order on one producer (idempotent, in-flight ordering kept); wait for every ack.
        Uni.join().all(acks).andFailFast().await().atMost(sendTimeout);
        // one statement for the batch, not one UPDATE per row at flush
        OutboxEvent.update("publishedAt = ?1, attempts = attempts + 1 where id in ?2", Instant.now(), ids);
        return batch.size();
    }

    @Scheduled(every = "1h", delayed = "1m")
    void purgePublished() {
        QuarkusTransaction.requiringNew().run(() ->
                OutboxEvent.delete("publishedAt < ?1", Instant.now().minus(retention)));
    }

    private static Message<byte[]> toMessage(OutboxEvent row) {
        RecordHeaders headers = new RecordHeaders();
        add(headers, CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0);
        add(headers, CloudEventHeaders.ID, row.eventId.toString());
        add(headers, CloudEventHeaders.SOURCE, row.ceSource);
        add(headers, CloudEventHeaders.TYPE, row.ceType);
        add(headers, CloudEventHeaders.TIME, row.ceTime.toString());
        add(headers, CloudEventHeaders.SUBJECT, row.recordKey);
        add(headers, CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON);
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(row.topic).withKey(row.recordKey).withHeaders(headers).build();
        return Message.of(row.payload.getBytes(StandardCharsets.UTF_8)).addMetadata(metadata);
    }

    private static void add(RecordHeaders headers, String name, String value) {
        headers.add(name, value.getBytes(StandardCharsets.UTF_8));
    }
}
