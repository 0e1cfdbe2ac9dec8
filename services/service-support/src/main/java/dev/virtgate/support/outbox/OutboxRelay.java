package dev.virtgate.support.outbox;

import dev.virtgate.bus.BusRefusal;
import dev.virtgate.support.config.ServiceIdentity;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.support.trust.SignatureHeaders;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.scheduler.ScheduledExecution;
import io.smallrye.mutiny.Uni;
import io.smallrye.reactive.messaging.MutinyEmitter;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import jakarta.inject.Singleton;
import jakarta.persistence.LockModeType;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.context.ManagedExecutor;
import io.smallrye.context.api.ManagedExecutorConfig;
import org.eclipse.microprofile.context.ThreadContext;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Relays committed outbox rows to Kafka, marking them published only after the broker acknowledged
 * them. Delivery is at-least-once; consumers deduplicate by ce_id.
 *
 * <p>Two ways out, one batch in flight at a time, the next sent only once the broker answered for
 * every row of the last:
 * <ul>
 * <li>from memory: a row this process committed is sent straight after the commit, in commit order,
 * and marked published by the timer (one UPDATE a second for all of them, and before the table is
 * drained), so the next row waits neither for a read of the table nor for a database commit;</li>
 * <li>from the table, in id order: at start (rows an earlier process left) and after any failed send
 * (from the next tick of the timer; while the broker is away rows simply wait), then back to memory
 * once the table is drained; and on every tick, the rows left unpublished longer than
 * {@code virtgate.outbox.sweep-after}, which no live instance is sending (one died after its commit).</li>
 * </ul>
 * A row may go out twice: when it commits while the table is being drained, when another instance
 * drains the table while this one sends from memory, or when the broker took it after the relay gave
 * up waiting; never zero times.
 */
@ApplicationScoped
public class OutboxRelay {
    private static final Logger LOG = Logger.getLogger(OutboxRelay.class);

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

    @ConfigProperty(name = "virtgate.outbox.batch-size", defaultValue = "500")
    int batchSize;

    @ConfigProperty(name = "virtgate.outbox.send-timeout", defaultValue = "PT10S")
    Duration sendTimeout;

    @ConfigProperty(name = "virtgate.outbox.sweep-after", defaultValue = "PT1M")
    Duration sweepAfter;

    @ConfigProperty(name = "virtgate.outbox.retention", defaultValue = "P1D")
    Duration retention;

    /** Rows this process committed, in commit order, not yet handed to the broker. */
    private final Queue<OutboxRecord> committed = new ConcurrentLinkedQueue<>();
    /** Rows the broker acknowledged that are not yet marked published in the table. */
    private final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();
    private final ReentrantLock marking = new ReentrantLock();
    private final SingleFlight relay = new SingleFlight(this::relayOnce);
    /** False until the table has been drained, and again after a failed send: the table is then the source. */
    private volatile boolean fromMemory;
    /** Set by a failed send: nothing more is tried until the timer, no hot loop while the broker is away. */
    private volatile boolean paused;
    /** Set by the timer when the table holds rows another instance left behind. */
    private volatile boolean sweepDue;

    void afterCommit(@Observes(during = TransactionPhase.AFTER_SUCCESS) OutboxRecord row) {
        committed.add(row);
        executor.execute(relay::run);
    }

    @Scheduled(every = "${virtgate.outbox.poll-interval:1s}", delayed = "${virtgate.outbox.poll-delay:3s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP, skipExecutionIf = UntilStarted.class)
    void poll() {
        paused = false;
        try {
            // looked for on the timer's thread: the relay's thread stays free for fresh rows
            sweepDue = fromMemory && QuarkusTransaction.requiringNew().call(this::hasForgottenRows);
        } catch (RuntimeException e) {
            LOG.warnf("looking for forgotten outbox rows failed, will retry: %s", e.getMessage());
        }
        relay.run();
        markPublishedQuietly();
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

    private void relayOnce() {
        if (paused) {
            return;
        }
        try {
            if (!fromMemory) {
                relayTable(null);
                fromMemory = true;
            } else if (sweepDue) {
                sweepDue = false;
                relayTable(Instant.now().minus(sweepAfter));
            }
            sendCommitted();
        } catch (RuntimeException e) {
            fromMemory = false;
            paused = true;
            LOG.warnf("outbox relay paused, will retry: %s", BusRefusal.explain(e, identity.name()));
        }
    }

    private void sendCommitted() {
        List<OutboxRecord> batch = new ArrayList<>();
        OutboxRecord row;
        while (!committed.isEmpty()) {
            batch.clear();
            while (batch.size() < batchSize && (row = committed.poll()) != null) {
                batch.add(row);
            }
            Sent sent = send(batch);
            // marked by the timer: one UPDATE a second, not one per commit, off the way of the next row
            acknowledged.addAll(sent.acknowledged());
            // the rest stays unpublished in the table, where the next pass finds it
            sent.throwIfIncomplete();
        }
    }

    /**
     * Sends the table's unpublished rows in id order: all of them, or (a sweep) those written before
     * {@code writtenBefore}, which no live instance is still sending.
     */
    private void relayTable(Instant writtenBefore) {
        if (writtenBefore == null) {
            markPublished(); // what the broker acknowledged from memory must not go out twice
            // every row committed until now is in the table, read below; what commits meanwhile stays queued
            committed.clear();
        }
        Sent sent;
        do {
            sent = QuarkusTransaction.requiringNew().call(() -> relayBatch(writtenBefore));
            if (!sent.acknowledged().isEmpty() && !committed.isEmpty()) {
                Set<Long> ids = new HashSet<>(sent.acknowledged());
                committed.removeIf(queued -> ids.contains(queued.id()));
            }
            sent.throwIfIncomplete(); // after the commit that marked what did go out
        } while (sent.attempted() == batchSize);
    }

    private Sent relayBatch(Instant writtenBefore) {
        PanacheQuery<OutboxEvent> pending = writtenBefore == null
                ? OutboxEvent.find("publishedAt is null order by id")
                : OutboxEvent.find("publishedAt is null and ceTime < ?1 order by id", writtenBefore);
        List<OutboxEvent> rows = pending.withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", -2) // SKIP LOCKED: another instance owns them
                .page(0, batchSize).list();
        if (rows.isEmpty()) {
            return new Sent(List.of(), 0, null);
        }
        Sent sent = send(rows.stream().map(OutboxRecord::of).toList());
        if (!sent.acknowledged().isEmpty()) {
            setPublished(sent.acknowledged());
        }
        return sent;
    }

    private boolean hasForgottenRows() {
        return OutboxEvent.count("publishedAt is null and ceTime < ?1", Instant.now().minus(sweepAfter)) > 0;
    }

    /**
     * Sends in order on one producer and waits for every outcome (at most send-timeout). What the broker
     * acknowledged is marked even when a neighbour failed, so that only the failed rows go out again.
     * Those may then arrive after a later event of their key: consumers deduplicate by ce_id, and an
     * agent remembers a cancel that arrives before its migration.
     */
    private Sent send(List<OutboxRecord> rows) {
        List<Long> acknowledged = Collections.synchronizedList(new ArrayList<>(rows.size()));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Uni<Void>> outcomes = new ArrayList<>(rows.size());
        for (OutboxRecord row : rows) {
            Message<byte[]> message;
            try {
                message = toMessage(row);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                break; // later rows wait with it, in order
            }
            outcomes.add(emitter.sendMessage(message)
                    .onItem().invoke(() -> acknowledged.add(row.id()))
                    .onFailure().recoverWithItem(e -> {
                        failure.compareAndSet(null, e);
                        return null;
                    }));
        }
        try {
            if (!outcomes.isEmpty()) {
                Uni.join().all(outcomes).andFailFast().await().atMost(sendTimeout);
            }
        } catch (io.smallrye.mutiny.TimeoutException e) {
            failure.compareAndSet(null, e);
        }
        synchronized (acknowledged) {
            return new Sent(List.copyOf(acknowledged), rows.size(), failure.get());
        }
    }

    /** The outcome of one batch: the ids the broker acknowledged, and the first failure if any row was not. */
    private record Sent(List<Long> acknowledged, int attempted, Throwable failure) {
        void throwIfIncomplete() {
            if (acknowledged.size() < attempted) {
                throw new IllegalStateException((attempted - acknowledged.size()) + " of " + attempted
                        + " rows not acknowledged: " + (failure == null ? "no answer" : failure.getMessage()), failure);
            }
        }
    }

    /** Marks what the broker acknowledged, one statement per chunk; waits for a marking under way. */
    private void markPublished() {
        marking.lock();
        try {
            while (!acknowledged.isEmpty()) {
                List<Long> chunk = new ArrayList<>();
                Long id;
                while (chunk.size() < batchSize && (id = acknowledged.poll()) != null) {
                    chunk.add(id);
                }
                try {
                    QuarkusTransaction.requiringNew().run(() -> setPublished(chunk));
                } catch (RuntimeException e) {
                    acknowledged.addAll(chunk); // the timer tries again
                    throw e;
                }
            }
        } finally {
            marking.unlock();
        }
    }

    private void markPublishedQuietly() {
        try {
            markPublished();
        } catch (RuntimeException e) {
            LOG.warnf("marking relayed outbox rows published failed, will retry: %s", e.getMessage());
        }
    }

    private static void setPublished(List<Long> ids) {
        // one statement for the batch, not one UPDATE per row at flush
        OutboxEvent.update("publishedAt = ?1, attempts = attempts + 1 where id in ?2", Instant.now(), ids);
    }

    @Scheduled(every = "1h", delayed = "1m")
    void purgePublished() {
        QuarkusTransaction.requiringNew().run(() ->
                OutboxEvent.delete("publishedAt < ?1", Instant.now().minus(retention)));
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
