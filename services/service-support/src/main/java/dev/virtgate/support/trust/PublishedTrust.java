package dev.virtgate.support.trust;

import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.support.config.ServiceIdentity;
import io.quarkus.scheduler.Scheduled;
import io.quarkus.vault.VaultKVSecretEngine;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The trust pki-service publishes in OpenBao: the CA bundle, the current CRL (applied only if a CA
 * of the bundle signed it) and this service's own signer chain. Re-read every
 * {@code virtgate.trust.refresh}, and at most once a second on demand (an unknown CA, a new
 * Transit key version).
 */
@ApplicationScoped
public class PublishedTrust implements TrustAnchors {
    private static final Logger LOG = Logger.getLogger(PublishedTrust.class);

    @Inject
    VaultKVSecretEngine kv;

    @Inject
    ServiceIdentity identity;

    @Inject
    TrustConfig config;

    private record Snapshot(List<X509Certificate> cas, List<X509CRL> crls, int signerVersion, List<X509Certificate> signerChain,
            Instant readAt) {
    }

    private volatile Snapshot snapshot = new Snapshot(List.of(), List.of(), 0, List.of(), Instant.EPOCH);

    @Override
    public List<X509Certificate> certificateAuthorities() {
        if (snapshot.readAt().plus(config.refresh()).isBefore(Instant.now())) {
            refresh();
        }
        return snapshot.cas();
    }

    @Override
    public boolean isRevoked(X509Certificate certificate) {
        return snapshot.crls().stream().anyMatch(crl -> crl.getIssuerX500Principal()
                .equals(certificate.getIssuerX500Principal()) && crl.isRevoked(certificate));
    }

    /** The signer chain pki-service certified for this service's Transit key version, if published yet. */
    public Optional<List<X509Certificate>> signerChain(int keyVersion) {
        if (snapshot.signerVersion() != keyVersion) {
            refresh();
        }
        Snapshot s = snapshot;
        return s.signerVersion() == keyVersion && !s.signerChain().isEmpty() ? Optional.of(s.signerChain())
                : Optional.empty();
    }

    public boolean published() {
        return !certificateAuthorities().isEmpty();
    }

    /** Waits until a CA bundle is published (the timer below re-reads every second until then). */
    public synchronized boolean awaitPublished(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (snapshot.cas().isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                wait(Math.max(1, left / 1_000_000));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Scheduled(every = "1s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void refreshWhileUnpublished() {
        if (snapshot.cas().isEmpty() || snapshot.readAt().plus(config.refresh()).isBefore(Instant.now())) {
            refresh();
        }
    }

    /** Re-reads OpenBao unless that happened less than a second ago; keeps the last good copy on failure. */
    public synchronized void refresh() {
        if (snapshot.readAt().plusSeconds(1).isAfter(Instant.now())) {
            return;
        }
        Snapshot last = snapshot;
        try {
            Map<String, String> ca = read(TrustStorePaths.CA);
            List<X509Certificate> cas = certificates(ca.get(TrustStorePaths.BUNDLE_PEM));
            List<X509CRL> crls = crls(ca.get(TrustStorePaths.CRL_PEM), cas);
            Map<String, String> signer = read(TrustStorePaths.signer(identity.name()));
            int version = signer.containsKey(TrustStorePaths.KEY_VERSION)
                    ? Integer.parseInt(signer.get(TrustStorePaths.KEY_VERSION)) : 0;
            snapshot = new Snapshot(cas, crls, version, certificates(signer.get(TrustStorePaths.CHAIN_PEM)), Instant.now());
            notifyAll();
        } catch (RuntimeException e) {
            LOG.warnf("cannot read published trust from OpenBao (%s); keeping the last copy",
                    e.getClass().getSimpleName());
            snapshot = new Snapshot(last.cas(), last.crls(), last.signerVersion(), last.signerChain(), Instant.now());
        }
    }

    private Map<String, String> read(String path) {
        try {
            Map<String, String> data = kv.readSecret(path);
            return data == null ? Map.of() : data;
        } catch (io.quarkus.vault.client.VaultClientException e) {
            if (Integer.valueOf(404).equals(e.getStatus())) {
                return Map.of(); // nothing published yet
            }
            throw e;
        }
    }

    static List<X509Certificate> certificates(String pem) {
        if (pem == null || pem.isBlank()) {
            return List.of();
        }
        try {
            List<X509Certificate> out = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509")
                    .generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
                out.add((X509Certificate) c);
            }
            return List.copyOf(out);
        } catch (Exception e) {
            throw new IllegalStateException("published trust holds no valid PEM certificates");
        }
    }

    /** The published CRLs (one per trusted CA) that a CA of the bundle signed; others are ignored. */
    private static List<X509CRL> crls(String pem, List<X509Certificate> cas) {
        if (pem == null || pem.isBlank()) {
            return List.of();
        }
        List<X509CRL> out = new ArrayList<>();
        try {
            for (var c : CertificateFactory.getInstance("X.509")
                    .generateCRLs(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
                X509CRL crl = (X509CRL) c;
                if (cas.stream().anyMatch(ca -> signedBy(crl, ca))) {
                    out.add(crl);
                } else {
                    LOG.warn("a published CRL is not signed by a CA of the bundle; ignoring it");
                }
            }
        } catch (Exception e) {
            LOG.warn("published CRLs cannot be parsed; ignoring them");
        }
        return List.copyOf(out);
    }

    private static boolean signedBy(X509CRL crl, X509Certificate ca) {
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (Exception e) {
            return false;
        }
    }

    /** The Transit key version whose signer chain is published now. */
    public int publishedSignerVersion() {
        return snapshot.signerVersion();
    }
}
