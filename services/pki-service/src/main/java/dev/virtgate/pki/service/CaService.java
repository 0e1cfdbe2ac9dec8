package dev.virtgate.pki.service;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.pki.TransitUnavailableException;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CaLock;
import dev.virtgate.support.error.UnavailableException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.jboss.logging.Logger;

/**
 * Bootstraps the CA and tells whether it is ready to sign. The CA exists once: if its Transit key
 * disappears (an OpenBao wiped or replaced), this service refuses to sign rather than create a new key
 * behind the operators' back. Rotation is {@link CaRotation}, the intermediate import
 * {@link IntermediateCaImport}, what comes with an issued certificate {@link CaChains}.
 */
@ApplicationScoped
public class CaService {
    private static final Logger LOG = Logger.getLogger(CaService.class);

    @Inject
    PkiConfig config;

    @Inject
    TransitCa transit;

    @Inject
    CrlService crls;

    @Inject
    CaCreation creation;

    @Inject
    CaLock caLock;

    private volatile String notReady = "CA not bootstrapped yet";

    /** Idempotent: creates the key and CA certificate on first start, verifies them afterwards. */
    public synchronized void bootstrap() {
        try {
            QuarkusTransaction.requiringNew().run(this::bootstrapInTransaction);
        } catch (TransitUnavailableException e) {
            markNotReady("OpenBao unavailable: " + e.getMessage());
        } catch (RuntimeException e) {
            markNotReady("CA bootstrap failed: " + e.getMessage());
        }
    }

    void bootstrapInTransaction() {
        caLock.holdUntilCommit(); // another instance bootstrapping now: wait, then find its CA below
        var existing = CaCertificate.current();
        var pending = CaCertificate.pending();
        if (existing.isEmpty() && pending.isEmpty()) {
            VaultSecretsTransitKeyInfo key = transit.keys().read().orElseGet(transit.keys()::create);
            requireSafe(key);
            int version = key.getLatestVersion();
            if (config.mode() == PkiConfig.CaMode.ROOT) {
                CaCertificate ca = creation.createRoot(key, version);
                crls.regenerate(ca);
                LOG.infof("CA bootstrapped: root %s on Transit key %s v%d (%s)", ca.serial, config.keyName(), version,
                        config.keyType().transitType());
            } else {
                creation.createPendingIntermediate(key, version);
                LOG.infof("CA bootstrapped in intermediate mode: CSR waiting at GET /v1/ca/csr");
            }
        }
        verify();
    }

    /** Bootstraps if needed, otherwise re-checks the key; OpenBao outages only mark the CA not ready. */
    public void refresh() {
        if (CaCertificate.current().isEmpty()) {
            bootstrap();
            return;
        }
        try {
            verify();
        } catch (TransitUnavailableException e) {
            markNotReady("OpenBao unavailable: " + e.getMessage());
        } catch (RuntimeException e) {
            markNotReady("CA check failed: " + e.getMessage());
        }
    }

    /** Checks that the Transit key still exists, is not exportable and matches the current CA. */
    public void verify() {
        var current = CaCertificate.current();
        VaultSecretsTransitKeyInfo key = transit.keys().read().orElse(null);
        if (key == null) {
            markNotReady("CA key " + config.keyName() + " is missing in Transit; refusing to sign with any other key");
            return;
        }
        requireSafe(key);
        if (current.isEmpty()) {
            markNotReady("intermediate CA certificate not imported yet");
            return;
        }
        CaCertificate ca = current.get();
        SubjectPublicKeyInfo expected = Pem.certificate(ca.certificatePem).getSubjectPublicKeyInfo();
        SubjectPublicKeyInfo actual = SubjectPublicKeyInfo.getInstance(
                transit.keys().publicKey(key, ca.keyVersion).getEncoded());
        if (!expected.equals(actual)) {
            markNotReady("Transit key " + config.keyName() + " v" + ca.keyVersion + " does not match the CA certificate");
            return;
        }
        if (notReady != null) {
            LOG.infof("CA ready: %s (Transit %s v%d)", ca.serial, config.keyName(), ca.keyVersion);
        }
        notReady = null;
    }

    private void requireSafe(VaultSecretsTransitKeyInfo key) {
        if (Boolean.TRUE.equals(key.isExportable()) || Boolean.TRUE.equals(key.isAllowPlaintextBackup())) {
            throw new IllegalStateException("Transit key " + config.keyName() + " is exportable; refusing to use it");
        }
        if (!config.keyType().transitType().equals(key.getType().getValue())) {
            throw new IllegalStateException("Transit key " + config.keyName() + " is " + key.getType().getValue()
                    + ", configured " + config.keyType().transitType());
        }
    }

    private void markNotReady(String reason) {
        if (!reason.equals(notReady)) {
            LOG.warn(reason);
        }
        notReady = reason;
    }

    /** Null when ready, otherwise why not. */
    public String notReadyReason() {
        return notReady;
    }

    public void requireReady() {
        String reason = notReady;
        if (reason != null) {
            throw UnavailableException.retryAfterSeconds("certificate authority not ready: " + reason,
                    config.retryAfterSeconds());
        }
    }
}
