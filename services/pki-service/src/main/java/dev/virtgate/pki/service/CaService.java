package dev.virtgate.pki.service;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.CertificateFactory;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.pki.TransitUnavailableException;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CaLock;
import dev.virtgate.pki.trust.TrustChanged;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.UnavailableException;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Bootstraps and rotates the CA. The CA exists once: if its Transit key disappears (an OpenBao
 * wiped or replaced), this service refuses to sign rather than create a new key behind the
 * operators' back.
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
    Event<TrustChanged> trustChanged;

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
                CaCertificate ca = createRoot(key, version);
                crls.regenerate(ca);
                LOG.infof("CA bootstrapped: root %s on Transit key %s v%d (%s)", ca.serial, config.keyName(), version,
                        config.keyType().transitType());
            } else {
                createPendingIntermediate(key, version);
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

    /** Drops rotated-out CAs from the bundle once no live certificate depends on them. */
    @Transactional
    public int retireDrained() {
        var current = CaCertificate.current();
        if (current.isEmpty()) {
            return 0;
        }
        Instant now = Instant.now();
        int retired = 0;
        for (CaCertificate old : CaCertificate.active()) {
            if (old.id.equals(current.get().id)) {
                continue;
            }
            boolean overlapDone = !current.get().createdAt.plus(config.rotationMinOverlap()).isAfter(now);
            if (overlapDone && dev.virtgate.pki.repository.IssuedCertificate.liveUnder(old.id, now).isEmpty()) {
                old.status = CaCertificate.Status.RETIRED;
                old.retiredAt = now;
                retired++;
                LOG.infof("CA %s (Transit v%d) retired: it leaves the CA bundle", old.serial, old.keyVersion);
            }
        }
        if (retired > 0) {
            trustChanged.fire(new TrustChanged(retired + " CA(s) retired"));
        }
        return retired;
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

    private CaCertificate createRoot(VaultSecretsTransitKeyInfo key, int version) {
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(transit.keys().publicKey(key, version).getEncoded());
        X509CertificateHolder root = transit.certificates().selfSignedCa(caSubject(version), publicKey, version,
                config.caValidity());
        CaCertificate ca = new CaCertificate();
        ca.keyName = config.keyName();
        ca.keyVersion = version;
        ca.keyType = config.keyType().transitType();
        ca.status = CaCertificate.Status.ACTIVE;
        ca.serial = root.getSerialNumber().toString(16);
        ca.certificatePem = Pem.write(root);
        ca.createdAt = Instant.now();
        ca.notAfter = root.getNotAfter().toInstant();
        ca.persist();
        return ca;
    }

    private void createPendingIntermediate(VaultSecretsTransitKeyInfo key, int version) {
        SubjectPublicKeyInfo publicKey = SubjectPublicKeyInfo.getInstance(transit.keys().publicKey(key, version).getEncoded());
        CaCertificate ca = new CaCertificate();
        ca.keyName = config.keyName();
        ca.keyVersion = version;
        ca.keyType = config.keyType().transitType();
        ca.status = CaCertificate.Status.PENDING;
        ca.csrPem = Pem.write(transit.certificates().intermediateCsr(caSubject(version), publicKey, version));
        ca.createdAt = Instant.now();
        ca.persist();
    }

    /** Key version 1 keeps the configured subject; later versions get " <version>" appended to the CN. */
    X500Name caSubject(int version) {
        X500Name configured = new X500Name(BCStyle.INSTANCE, config.caSubject());
        if (version <= 1) {
            return configured;
        }
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE);
        for (RDN rdn : configured.getRDNs()) {
            var type = rdn.getFirst().getType();
            String value = IETFUtils.valueToString(rdn.getFirst().getValue());
            builder.addRDN(type, BCStyle.CN.equals(type) ? value + " " + version : value);
        }
        return builder.build();
    }

    /** Intermediate mode: imports the certificate an operator signed for the pending CSR. */
    @Transactional
    public CaCertificate importIntermediate(String certificatePem, List<String> chainPem) {
        CaCertificate pending = CaCertificate.pending()
                .orElseThrow(() -> new ConflictException("no intermediate CSR is waiting for a certificate"));
        X509CertificateHolder cert = Pem.read(certificatePem, X509CertificateHolder.class);
        if (cert == null) {
            throw InvalidInputException.malformed("certificatePem", "not a PEM certificate");
        }
        SubjectPublicKeyInfo requested = Pem.csr(pending.csrPem).getSubjectPublicKeyInfo();
        if (!requested.equals(cert.getSubjectPublicKeyInfo())) {
            throw InvalidInputException.unprocessable("certificatePem", "public key is not the Transit CA key");
        }
        BasicConstraints constraints = BasicConstraints.fromExtensions(cert.getExtensions());
        if (constraints == null || !constraints.isCA()) {
            throw InvalidInputException.unprocessable("certificatePem",
                    "not a CA certificate (basicConstraints cA=false)");
        }
        List<X509CertificateHolder> chain = new ArrayList<>();
        for (String pem : chainPem == null ? List.<String>of() : chainPem) {
            X509CertificateHolder issuer = Pem.read(pem, X509CertificateHolder.class);
            if (issuer == null) {
                throw InvalidInputException.malformed("chainPem", "not a PEM certificate");
            }
            chain.add(issuer);
        }
        if (chain.isEmpty()) {
            throw InvalidInputException.malformed("chainPem", "the issuer's certificate is required");
        }
        if (!signedBy(cert, chain.get(0))) {
            throw InvalidInputException.unprocessable("chainPem", "certificate is not signed by the first chain entry");
        }
        pending.certificatePem = Pem.write(cert);
        pending.chainPem = String.join("", chainPem);
        pending.serial = cert.getSerialNumber().toString(16);
        pending.notAfter = cert.getNotAfter().toInstant();
        pending.status = CaCertificate.Status.ACTIVE;
        crls.regenerate(pending);
        verify();
        return pending;
    }

    private static boolean signedBy(X509CertificateHolder cert, X509CertificateHolder issuer) {
        try {
            return cert.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(issuer));
        } catch (Exception e) {
            return false;
        }
    }

    /** Rotates the Transit key and creates the next CA certificate; the previous CA stays in the bundle. */
    @Transactional
    public CaCertificate rotate() {
        requireReady();
        if (config.mode() != PkiConfig.CaMode.ROOT) {
            throw new ConflictException("intermediate mode: rotate by importing a new intermediate");
        }
        caLock.holdUntilCommit();
        int version = transit.keys().rotate();
        VaultSecretsTransitKeyInfo key = transit.keys().read().orElseThrow();
        CaCertificate next = createRoot(key, version);
        crls.regenerate(next);
        LOG.infof("CA rotated: new CA %s on Transit key v%d; previous CAs stay in the bundle until drained",
                next.serial, version);
        return next;
    }

    public CertificateFactory.Issuer issuer(CaCertificate ca) {
        return new CertificateFactory.Issuer(Pem.certificate(ca.certificatePem), ca.keyVersion);
    }

    /** Certificates above the issuing CA: empty for a root, the CA and its chain for an intermediate. */
    public List<String> chain(CaCertificate ca) {
        if (ca.chainPem == null || ca.chainPem.isBlank()) {
            return List.of();
        }
        List<String> chain = new ArrayList<>();
        chain.add(ca.certificatePem);
        chain.addAll(split(ca.chainPem));
        return chain;
    }

    /** Every CA a host must trust now: all ACTIVE CAs (old and new during a rotation) and their chains. */
    public List<String> bundle() {
        Set<String> bundle = new LinkedHashSet<>();
        for (CaCertificate ca : CaCertificate.active()) {
            bundle.add(ca.certificatePem);
            if (ca.chainPem != null) {
                bundle.addAll(split(ca.chainPem));
            }
        }
        return List.copyOf(bundle);
    }

    static List<String> split(String pems) {
        return Arrays.stream(pems.split("(?=-----BEGIN CERTIFICATE-----)")).filter(s -> !s.isBlank())
                .map(s -> s.endsWith("\n") ? s : s + "\n").toList();
    }
}
