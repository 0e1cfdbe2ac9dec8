package dev.virtgate.pki.pki;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Coalesces concurrent sign requests into Transit {@code batch_input} calls, without signer threads:
 * the caller that finds a free call slot sends everything queued so far (its own digest and its
 * neighbours'), the others wait for that call to finish. A lone caller therefore signs on its own
 * thread with no hand-off, and under load one HTTP round trip carries up to {@code maxBatch} digests.
 * At most {@code maxInFlight} calls run at once, so OpenBao sees a few large calls, not a storm.
 */
public class BatchingTransitSigner implements CaSigner, AutoCloseable {
    private static final long TIMEOUT_NANOS = TimeUnit.SECONDS.toNanos(30);

    /** One Transit sign call for several prehashed digests of one key version, signatures in order. */
    @FunctionalInterface
    public interface BatchSign {
        List<byte[]> sign(int keyVersion, List<byte[]> digests);
    }

    private record Pending(int version, byte[] digest, CompletableFuture<byte[]> result) {
    }

    private final BatchSign transit;
    private final int maxBatch;
    private final int maxInFlight;
    private final Queue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition callFinished = lock.newCondition();
    private int inFlight;
    private volatile boolean closed;

    public BatchingTransitSigner(BatchSign transit, int maxBatch, int maxInFlight) {
        this.transit = transit;
        this.maxBatch = Math.max(1, maxBatch);
        this.maxInFlight = Math.max(1, maxInFlight);
    }

    public BatchingTransitSigner(TransitKeys keys, int maxBatch, int maxInFlight) {
        this(keys::signBatch, maxBatch, maxInFlight);
    }

    @Override
    public byte[] sign(int keyVersion, byte[] sha256Digest) {
        if (closed) {
            throw new IllegalStateException("signer closed");
        }
        Pending mine = new Pending(keyVersion, sha256Digest.clone(), new CompletableFuture<>());
        queue.add(mine);
        long deadline = System.nanoTime() + TIMEOUT_NANOS;
        while (!mine.result().isDone()) {
            if (takeCallSlot(mine, deadline)) {
                try {
                    sendQueued();
                } finally {
                    releaseCallSlot();
                }
            }
        }
        return outcome(mine.result());
    }

    /** Waits until this caller may send (a slot is free and work is queued) or its digest got signed. */
    private boolean takeCallSlot(Pending mine, long deadline) {
        lock.lock();
        try {
            while (!mine.result().isDone() && (inFlight >= maxInFlight || queue.isEmpty())) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new TransitUnavailableException("Transit signing timed out", null);
                }
                callFinished.awaitNanos(left);
            }
            if (mine.result().isDone()) {
                return false;
            }
            inFlight++;
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransitUnavailableException("interrupted", e);
        } finally {
            lock.unlock();
        }
    }

    private void releaseCallSlot() {
        lock.lock();
        try {
            inFlight--;
            callFinished.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void sendQueued() {
        List<Pending> batch = new ArrayList<>(maxBatch);
        Pending next;
        while (batch.size() < maxBatch && (next = queue.poll()) != null) {
            batch.add(next);
        }
        // One call per key version (a rotation may leave old-version CRL signing in flight).
        batch.stream().map(Pending::version).distinct().forEach(version -> {
            List<Pending> same = batch.stream().filter(p -> p.version() == version).toList();
            try {
                List<byte[]> signatures = transit.sign(version, same.stream().map(Pending::digest).toList());
                if (signatures.size() != same.size()) {
                    throw new TransitUnavailableException("Transit returned " + signatures.size()
                            + " signatures for " + same.size() + " digests", null);
                }
                for (int i = 0; i < same.size(); i++) {
                    same.get(i).result().complete(signatures.get(i));
                }
            } catch (RuntimeException e) {
                same.forEach(p -> p.result().completeExceptionally(e));
            }
        });
    }

    private static byte[] outcome(CompletableFuture<byte[]> result) {
        try {
            return result.get();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new TransitUnavailableException("signing failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransitUnavailableException("interrupted", e);
        }
    }

    @Override
    public void close() {
        closed = true;
    }
}
