package dev.virtgate.agent.proxy;

import org.jboss.logging.Logger;

import javax.crypto.Cipher;
import javax.crypto.KeyGenerator;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Encrypts and decrypts 64 MiB with AES-128-GCM, the proxy's preferred cipher, once in the background
 * when the proxy first listens. The JIT then compiles the cipher's loops with C2 (AES and GHASH
 * intrinsics) before the first migration needs them: in C1-compiled code the same cipher runs at
 * about a fourteenth of that speed, and the first proxied migrations after an agent started ran at half
 * the speed of later ones. About one CPU-second, only on a host whose proxy is enabled.
 */
final class CipherWarmUp {
    private static final Logger LOG = Logger.getLogger(CipherWarmUp.class);
    static final int MIB = 64;
    private static final int RECORD = 16 * 1024; // a TLS record's payload
    private static final AtomicBoolean STARTED = new AtomicBoolean();
    private static final CountDownLatch DONE = new CountDownLatch(1);

    private CipherWarmUp() {
    }

    /** Starts the warm-up on a daemon thread, the first time only. */
    static void startOnce() {
        if (STARTED.compareAndSet(false, true)) {
            Thread t = new Thread(() -> {
                long t0 = System.nanoTime();
                try {
                    run(MIB);
                    LOG.debugf("AES-GCM warm-up: %d MiB in %d ms", MIB, (System.nanoTime() - t0) / 1_000_000);
                } catch (GeneralSecurityException e) {
                    LOG.debugf("AES-GCM warm-up skipped: %s", e.getMessage());
                } finally {
                    DONE.countDown();
                }
            }, "migration-proxy-warmup");
            t.setDaemon(true);
            t.start();
        }
    }

    static boolean done() {
        return DONE.getCount() == 0;
    }

    /** Seals and opens {@code mib} MiB in TLS-record-sized pieces; refuses a piece that does not open intact. */
    static void run(int mib) throws GeneralSecurityException {
        KeyGenerator generator = KeyGenerator.getInstance("AES");
        generator.init(128);
        SecretKey key = generator.generateKey();
        Cipher seal = Cipher.getInstance("AES/GCM/NoPadding");
        Cipher open = Cipher.getInstance("AES/GCM/NoPadding");
        byte[] plain = new byte[RECORD];
        byte[] sealed = new byte[RECORD + 16];
        byte[] opened = new byte[RECORD];
        byte[] nonce = new byte[12];
        for (int i = 0; i < mib * (1024 * 1024 / RECORD); i++) {
            ByteBuffer.wrap(nonce).putInt(4, i); // a fresh nonce per record, as TLS's sequence number gives
            plain[0] = (byte) i;
            seal.init(Cipher.ENCRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            int n = seal.doFinal(plain, 0, RECORD, sealed, 0);
            open.init(Cipher.DECRYPT_MODE, key, new GCMParameterSpec(128, nonce));
            open.doFinal(sealed, 0, n, opened, 0);
            if (!Arrays.equals(plain, opened)) {
                throw new GeneralSecurityException("AES-GCM warm-up: a record did not open intact");
            }
        }
    }
}
