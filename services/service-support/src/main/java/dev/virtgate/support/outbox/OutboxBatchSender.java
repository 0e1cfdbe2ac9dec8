package dev.virtgate.support.outbox;

import io.smallrye.mutiny.Uni;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

/** Hands one batch of rows to the broker for {@link OutboxPump} and collects what it acknowledged. */
final class OutboxBatchSender {
    private final OutboxPump.Transport transport;
    private final Duration sendTimeout;

    OutboxBatchSender(OutboxPump.Transport transport, Duration sendTimeout) {
        this.transport = transport;
        this.sendTimeout = sendTimeout;
    }

    /**
     * Sends in order and waits for every outcome (at most send-timeout). What the broker acknowledged is
     * marked even when a neighbour failed, so that only the failed rows go out again. Those may then
     * arrive after a later event of their key: consumers deduplicate by ce_id, and an agent remembers a
     * cancel that arrives before its migration.
     */
    Sent send(List<OutboxRecord> rows) {
        List<Long> acks = Collections.synchronizedList(new ArrayList<>(rows.size()));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Uni<Void>> outcomes = new ArrayList<>(rows.size());
        for (OutboxRecord row : rows) {
            Uni<Void> outcome;
            try {
                outcome = transport.send(row);
            } catch (RuntimeException e) {
                failure.compareAndSet(null, e);
                break; // later rows wait with it, in order
            }
            outcomes.add(outcome
                    .onItem().invoke(() -> acks.add(row.id()))
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
        synchronized (acks) {
            return new Sent(List.copyOf(acks), rows.size(), failure.get());
        }
    }

    /** The outcome of one batch: the ids the broker acknowledged, and the first failure if any row was not. */
    record Sent(List<Long> acknowledged, int attempted, Throwable failure) {
        void throwIfIncomplete() {
            if (acknowledged.size() < attempted) {
                throw new IllegalStateException((attempted - acknowledged.size()) + " of " + attempted
                        + " rows not acknowledged: " + (failure == null ? "no answer" : failure.getMessage()), failure);
            }
        }
    }
}
