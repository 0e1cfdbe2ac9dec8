package dev.virtgate.support.outbox;

import dev.virtgate.support.outbox.OutboxBatchSender.Sent;
import io.smallrye.mutiny.Uni;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The relay's bookkeeping, free of Quarkus: which rows go out from memory and which from the table,
 * in which order, and which are marked published. {@link OutboxRelay} wires it to the outbox table
 * (Panache), to the Kafka emitter, to the scheduler and to CDI's after-commit event; tests wire it to
 * fakes.
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
 * {@code sweepAfter}, which no live instance is sending (one died after its commit).</li>
 * </ul>
 *
 * <p>{@link OutboxBatchSender} sends a batch and waits for the broker; {@link OutboxPublishedMarker}
 * keeps and marks what it acknowledged.
 */
final class OutboxPump {
    private static final Logger LOG = Logger.getLogger(OutboxPump.class);

    /** The outbox table. The other methods run inside {@link #inNewTransaction}. */
    interface Table {
        /** Runs {@code work} in a transaction of its own and commits it. */
        <T> T inNewTransaction(Supplier<T> work);

        /**
         * Up to {@code limit} unpublished rows in id order, written before {@code writtenBefore} unless
         * that is null, locked until the transaction ends; rows another instance holds locked are skipped.
         */
        List<OutboxRecord> lockUnpublished(Instant writtenBefore, int limit);

        /** Marks the rows published. */
        void setPublished(List<Long> ids);

        /** Whether any row written before {@code writtenBefore} is still unpublished. */
        boolean hasUnpublishedBefore(Instant writtenBefore);
    }

    /** Hands rows to the broker. */
    interface Transport {
        /**
         * Sends one row when the returned Uni is subscribed; it completes once the broker acknowledged the
         * row, and fails if it refused it. Throws when the row cannot be sent yet (no signer chain published).
         */
        Uni<Void> send(OutboxRecord row);
    }

    private final Table table;
    private final OutboxBatchSender sender;
    private final OutboxPublishedMarker marker;
    private final int batchSize;
    private final Duration sweepAfter;
    private final Clock clock;
    private final Function<RuntimeException, String> explain;

    /** Rows this process committed, in commit order, not yet handed to the broker. */
    private final Queue<OutboxRecord> committed = new ConcurrentLinkedQueue<>();
    private final SingleFlight relay = new SingleFlight(this::relayOnce);
    /** False until the table has been drained, and again after a failed send: the table is then the source. */
    private volatile boolean fromMemory;
    /** Set by a failed send: nothing more is tried until the timer, no hot loop while the broker is away. */
    private volatile boolean paused;
    /** Set by the timer when the table holds rows another instance left behind. */
    private volatile boolean sweepDue;

    /**
     * @param explain why a send failed, for the log line
     */
    OutboxPump(Table table, Transport transport, int batchSize, Duration sendTimeout, Duration sweepAfter, Clock clock,
            Function<RuntimeException, String> explain) {
        if (batchSize < 1) {
            throw new IllegalArgumentException("virtgate.outbox.batch-size must be at least 1, not " + batchSize);
        }
        this.table = table;
        this.sender = new OutboxBatchSender(transport, sendTimeout);
        this.marker = new OutboxPublishedMarker(table, batchSize);
        this.batchSize = batchSize;
        this.sweepAfter = sweepAfter;
        this.clock = clock;
        this.explain = explain;
    }

    /** A row this process committed: queued to go out from memory on the next {@link #relay()}. */
    void committed(OutboxRecord row) {
        committed.add(row);
    }

    /** Sends what is due, on at most one thread at a time; a call while it runs makes it run once more. */
    void relay() {
        relay.run();
    }

    /** The timer: resumes after a failed send, looks for forgotten rows, relays, marks what was acknowledged. */
    void tick() {
        paused = false;
        try {
            // looked for on the timer's thread: the relay's thread stays free for fresh rows
            sweepDue = fromMemory && table.inNewTransaction(() -> table.hasUnpublishedBefore(sweepLimit()));
        } catch (RuntimeException e) {
            LOG.warnf("looking for forgotten outbox rows failed, will retry: %s", e.getMessage());
        }
        relay();
        marker.markPublishedQuietly();
    }

    private Instant sweepLimit() {
        return clock.instant().minus(sweepAfter);
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
                relayTable(sweepLimit());
            }
            sendCommitted();
        } catch (RuntimeException e) {
            fromMemory = false;
            paused = true;
            LOG.warnf("outbox relay paused, will retry: %s", explain.apply(e));
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
            Sent sent = sender.send(batch);
            // marked by the timer: one UPDATE a second, not one per commit, off the way of the next row
            marker.acknowledged(sent.acknowledged());
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
            marker.markPublished(); // what the broker acknowledged from memory must not go out twice
            // every row committed until now is in the table, read below; what commits meanwhile stays queued
            committed.clear();
        }
        Sent sent;
        do {
            sent = table.inNewTransaction(() -> relayBatch(writtenBefore));
            if (!sent.acknowledged().isEmpty() && !committed.isEmpty()) {
                Set<Long> ids = new HashSet<>(sent.acknowledged());
                committed.removeIf(queued -> ids.contains(queued.id()));
            }
            sent.throwIfIncomplete(); // after the commit that marked what did go out
        } while (sent.attempted() == batchSize);
    }

    private Sent relayBatch(Instant writtenBefore) {
        List<OutboxRecord> rows = table.lockUnpublished(writtenBefore, batchSize);
        if (rows.isEmpty()) {
            return new Sent(List.of(), 0, null);
        }
        Sent sent = sender.send(rows);
        if (!sent.acknowledged().isEmpty()) {
            table.setPublished(sent.acknowledged());
        }
        return sent;
    }
}
