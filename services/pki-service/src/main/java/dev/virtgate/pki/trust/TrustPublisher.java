package dev.virtgate.pki.trust;

import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.service.CaChains;
import dev.virtgate.pki.service.CaService;
import dev.virtgate.pki.service.CrlService;
import dev.virtgate.pki.service.SignerCertificateService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Publishes what every service verifies events against, into OpenBao KV: the CA bundle (the CA
 * that signs new certificates first, then the others still trusted) with the current CRL, and for
 * each signing service the certificate of its Transit key. Runs at start, after every committed
 * change of the CA or CRL ({@link TrustChanged}), and every {@code virtgate.pki.trust-publish-interval},
 * which also retries after an OpenBao outage and picks up rotated Transit keys. Idempotent.
 */
@ApplicationScoped
public class TrustPublisher {
    private static final Logger LOG = Logger.getLogger(TrustPublisher.class);

    @Inject
    CaService ca;

    @Inject
    CaChains chains;

    @Inject
    CrlService crls;

    @Inject
    SignerCertificateService signers;

    @Inject
    TrustStore store;

    private final AtomicBoolean queued = new AtomicBoolean();
    private ExecutorService worker;

    @PostConstruct
    void init() {
        worker = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "trust-publisher");
            thread.setDaemon(true);
            return thread;
        });
    }

    @PreDestroy
    void close() {
        worker.shutdownNow();
    }

    /** After the commit, on a thread of its own: the committing thread may hold locks, and needs no OpenBao. */
    void onTrustChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) TrustChanged change) {
        LOG.debugf("trust changed (%s): publishing", change.why());
        if (queued.compareAndSet(false, true)) {
            worker.execute(() -> {
                queued.set(false);
                publish();
            });
        }
    }

    @Scheduled(every = "${virtgate.pki.trust-publish-interval:60s}", delayed = "10s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodically() {
        publish();
    }

    /** Publishes the CA trust, then (the CA must be able to sign) every service's signer certificate. */
    public synchronized void publish() {
        try {
            publishCa();
        } catch (RuntimeException e) {
            LOG.warnf("publishing the CA bundle and CRL failed, retried next round: %s", e.getMessage());
        }
        if (ca.notReadyReason() != null) {
            return;
        }
        for (String service : EventAuthorization.SIGNING_SERVICES) {
            try {
                signers.certify(service).ifPresent(this::publishSigner);
            } catch (RuntimeException e) {
                LOG.warnf("publishing the signer certificate of %s failed, retried next round: %s", service,
                        e.getMessage());
            }
        }
    }

    private void publishCa() {
        // nothing before the first CA (intermediate mode, before the import): what is there stays
        Optional<List<String>> bundle = QuarkusTransaction.requiringNew().call(() ->
                CaCertificate.current().map(this::bundleCurrentFirst));
        if (bundle.isEmpty()) {
            return;
        }
        // one CRL per CA still trusted, the current CA's first: a host revoked under the previous CA
        // stays revoked while that CA drains
        String crl = QuarkusTransaction.requiringNew().call(() -> {
            CaCertificate current = CaCertificate.current().orElseThrow();
            Set<String> all = new LinkedHashSet<>(List.of(crls.crl(current).crlPem));
            CaCertificate.active().forEach(ca -> all.add(crls.crl(ca).crlPem));
            return String.join("", all);
        });
        if (store.publish(TrustStorePaths.CA, Map.of(TrustStorePaths.BUNDLE_PEM, String.join("", bundle.get()),
                TrustStorePaths.CRL_PEM, crl))) {
            LOG.infof("published the CA bundle (%d certificates, current CA first) and its CRL at %s",
                    bundle.get().size(), TrustStorePaths.CA);
        }
    }

    /** The CAs of {@link CaChains#bundle()}, the one that signs new certificates (and its chain) first. */
    private List<String> bundleCurrentFirst(CaCertificate current) {
        Set<String> ordered = new LinkedHashSet<>();
        ordered.add(current.certificatePem);
        ordered.addAll(chains.chain(current));
        ordered.addAll(chains.bundle());
        return List.copyOf(ordered);
    }

    private void publishSigner(SignerCertificateService.SignerCertificate signer) {
        Map<String, String> entry = Map.of(TrustStorePaths.KEY_VERSION, String.valueOf(signer.keyVersion()),
                TrustStorePaths.CHAIN_PEM, signer.chainPem());
        if (store.publish(TrustStorePaths.signer(signer.service()), entry)) {
            LOG.infof("published signer certificate %s of %s (Transit %s v%d) at %s", signer.serial(),
                    signer.service(), TrustStorePaths.transitKey(signer.service()), signer.keyVersion(),
                    TrustStorePaths.signer(signer.service()));
        }
    }
}
