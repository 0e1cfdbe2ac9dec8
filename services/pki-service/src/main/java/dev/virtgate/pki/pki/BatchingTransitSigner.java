package dev.virtgate.pki.pki;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Coalesces concurrent sign requests into Transit {@code batch_input} calls. No artificial wait:
 * a lone request goes out alone; requests that arrive while a call is in flight share the next one.
 */
public class BatchingTransitSigner implements CaSigner, AutoCloseable {
    private record Pending(int version, byte[] digest, CompletableFuture<byte[]> result) {
    }

    private final TransitKeys keys;
    private final int maxBatch;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final List<Thread> workers = new ArrayList<>();
    private volatile boolean closed;

    public BatchingTransitSigner(TransitKeys keys, int maxBatch, int workers) {
        this.keys = keys;
        this.maxBatch = Math.max(1, maxBatch);
        for (int i = 0; i < workers; i++) {
            Thread worker = new Thread(this::run, "transit-signer-" + i);
            worker.setDaemon(true);
            worker.start();
            this.workers.add(worker);
        }
    }

    @Override
    public byte[] sign(int keyVersion, byte[] sha256Digest) {
        if (closed) {
            throw new IllegalStateException("signer closed");
        }
        CompletableFuture<byte[]> result = new CompletableFuture<>();
        queue.add(new Pending(keyVersion, sha256Digest.clone(), result));
        try {
            return result.get(30, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new TransitUnavailableException("signing failed", e.getCause());
        } catch (TimeoutException e) {
            throw new TransitUnavailableException("Transit signing timed out", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransitUnavailableException("interrupted", e);
        }
    }

    private void run() {
        while (!closed) {
            List<Pending> batch = new ArrayList<>(maxBatch);
            try {
                Pending first = queue.poll(500, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
            } catch (InterruptedException e) {
                return;
            }
            queue.drainTo(batch, maxBatch - 1);
            // One call per key version (a rotation may leave old-version CRL signing in flight).
            batch.stream().map(Pending::version).distinct().forEach(version -> {
                List<Pending> same = batch.stream().filter(p -> p.version() == version).toList();
                try {
                    List<byte[]> signatures = keys.signBatch(version, same.stream().map(Pending::digest).toList());
                    for (int i = 0; i < same.size(); i++) {
                        same.get(i).result().complete(signatures.get(i));
                    }
                } catch (RuntimeException e) {
                    same.forEach(p -> p.result().completeExceptionally(e));
                }
            });
        }
    }

    @Override
    public void close() {
        closed = true;
        workers.forEach(Thread::interrupt);
    }
}
