package dev.virtgate.pki.pki;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class BatchingTransitSignerTest {

    /** A stand-in for Transit: the "signature" of a digest is the version byte followed by the digest. */
    static final class FakeTransit implements BatchingTransitSigner.BatchSign {
        final List<Integer> batchSizes = new CopyOnWriteArrayList<>();
        final Set<String> callerThreads = ConcurrentHashMap.newKeySet();
        final AtomicInteger concurrent = new AtomicInteger();
        final AtomicInteger maxConcurrent = new AtomicInteger();
        volatile CountDownLatch gate = new CountDownLatch(0);

        @Override
        public List<byte[]> sign(int keyVersion, List<byte[]> digests) {
            maxConcurrent.accumulateAndGet(concurrent.incrementAndGet(), Math::max);
            try {
                callerThreads.add(Thread.currentThread().getName());
                batchSizes.add(digests.size());
                gate.await(10, TimeUnit.SECONDS);
                List<byte[]> out = new ArrayList<>();
                for (byte[] d : digests) {
                    byte[] s = new byte[d.length + 1];
                    s[0] = (byte) keyVersion;
                    System.arraycopy(d, 0, s, 1, d.length);
                    out.add(s);
                }
                return out;
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            } finally {
                concurrent.decrementAndGet();
            }
        }
    }

    static byte[] digest(int i) {
        byte[] d = new byte[32];
        d[0] = (byte) i;
        d[1] = (byte) (i >> 8);
        return d;
    }

    @Test
    void aLoneCallerSignsOnItsOwnThreadOneDigestPerCall() {
        FakeTransit transit = new FakeTransit();
        BatchingTransitSigner signer = new BatchingTransitSigner(transit, 64, 2);
        for (int i = 0; i < 20; i++) {
            assertThat(signer.sign(3, digest(i))).startsWith((byte) 3).endsWith(digest(i));
        }
        assertThat(transit.batchSizes).hasSize(20).containsOnly(1);
        assertThat(transit.callerThreads).containsExactly(Thread.currentThread().getName());
    }

    @Test
    void concurrentCallersShareCallsAndEachGetsItsOwnSignature() throws Exception {
        FakeTransit transit = new FakeTransit();
        BatchingTransitSigner signer = new BatchingTransitSigner(transit, 64, 2);
        transit.gate = new CountDownLatch(1); // the first calls block until every caller has queued
        int callers = 32;
        ExecutorService pool = Executors.newFixedThreadPool(callers);
        try {
            CountDownLatch started = new CountDownLatch(callers);
            List<Future<byte[]>> results = new ArrayList<>();
            for (int i = 0; i < callers; i++) {
                int n = i;
                results.add(pool.submit(() -> {
                    started.countDown();
                    return signer.sign(1, digest(n));
                }));
            }
            started.await(10, TimeUnit.SECONDS);
            org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(10))
                    .until(() -> transit.concurrent.get() == 2
                            || transit.batchSizes.stream().mapToInt(Integer::intValue).sum() == callers);
            transit.gate.countDown();
            for (int i = 0; i < callers; i++) {
                assertThat(results.get(i).get(10, TimeUnit.SECONDS)).endsWith(digest(i));
            }
        } finally {
            pool.shutdownNow();
        }
        assertThat(transit.batchSizes.stream().mapToInt(Integer::intValue).sum()).isEqualTo(callers);
        assertThat(transit.batchSizes.size()).isLessThan(callers);
        assertThat(transit.maxConcurrent.get()).isLessThanOrEqualTo(2);
    }

    @Test
    void aFailedCallFailsEveryDigestInItAndTheNextCallWorks() {
        AtomicInteger calls = new AtomicInteger();
        BatchingTransitSigner signer = new BatchingTransitSigner((version, digests) -> {
            if (calls.incrementAndGet() == 1) {
                throw new TransitUnavailableException("OpenBao Transit sign failed (status 503)", null);
            }
            return digests;
        }, 8, 1);
        assertThatThrownBy(() -> signer.sign(1, digest(1))).isInstanceOf(TransitUnavailableException.class)
                .hasMessageContaining("503");
        assertThat(signer.sign(1, digest(2))).isEqualTo(digest(2));
    }

    @Test
    void aShortAnswerFromTransitIsAnError() {
        BatchingTransitSigner signer = new BatchingTransitSigner((version, digests) -> List.of(), 8, 1);
        assertThatThrownBy(() -> signer.sign(1, digest(1))).isInstanceOf(TransitUnavailableException.class)
                .hasMessageContaining("0 signatures for 1");
    }
}
