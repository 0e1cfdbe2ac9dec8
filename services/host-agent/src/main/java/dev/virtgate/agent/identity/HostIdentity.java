package dev.virtgate.agent.identity;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.pki.Csrs;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EnrollmentKey;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.security.GeneralSecurityException;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;

/**
 * The host's key pair and the certificate that names it: the enrollment CSR, renewal CSRs for a
 * fresh key (kept in the state directory until its certificate arrives), and the switch to that
 * key once its certificate is applied. The key and the certificate chain the agent signs its
 * events with change together, as one value.
 */
public final class HostIdentity {
    private static final Logger LOG = Logger.getLogger(HostIdentity.class);

    /** What the agent signs with: its current key and the certificate chain issued for it (leaf first). */
    public record Signing(HostKey key, List<X509Certificate> chain) {
    }

    private final AgentConfig config;
    private final AgentPaths paths;
    private HostKey key;
    private volatile Signing signing;

    public HostIdentity(AgentConfig config, AgentPaths paths) {
        this.config = config;
        this.paths = paths;
        if (Files.exists(paths.hostKeyFile())) {
            key = HostKey.loadOrCreate(paths.hostKeyFile());
        }
    }

    /**
     * At start, with the certificate the state holds: a crash between saving a renewed certificate
     * and promoting the key it was issued for leaves it matching the next key, so promote that key
     * before anything is rendered; then sign with the certificate.
     */
    public synchronized void resume(String certPem, List<String> chainPem) {
        if (certPem == null) {
            return;
        }
        X509Certificate cert = Pem.certificate(certPem);
        if (Files.exists(paths.nextHostKeyFile())) {
            nextKeyFor(cert).ifPresent(next -> {
                promote(next);
                LOG.infof("finished a host key rotation interrupted by a restart (certificate %s)",
                        cert.getSerialNumber().toString(16));
            });
        }
        if (key != null && key.matches(cert)) {
            signing = new Signing(key, chain(cert, chainPem));
        }
    }

    /** The current key, generated on first use. */
    public synchronized HostKey key() {
        if (key == null) {
            key = HostKey.loadOrCreate(paths.hostKeyFile());
        }
        return key;
    }

    public synchronized boolean hasKey() {
        return key != null;
    }

    /** The key {@code cert} was issued for: the current one, or the pending renewal key. */
    public synchronized Optional<HostKey> keyFor(X509Certificate cert) {
        if (key != null && key.matches(cert)) {
            return Optional.of(key);
        }
        return nextKeyFor(cert);
    }

    /** The certificate for {@code issuedFor} is applied: that key becomes the host key (if it was the next one). */
    public synchronized void certified(HostKey issuedFor, X509Certificate cert, List<String> chainPem) {
        if (key == null || !key.matches(cert)) {
            promote(issuedFor);
            LOG.infof("host key rotated with certificate %s", cert.getSerialNumber().toString(16));
        }
        signing = new Signing(key, chain(cert, chainPem));
    }

    /** Empty until the host has a certificate: before that, only HostEnrolled can be signed (by the CSR's key). */
    public Optional<Signing> signing() {
        return Optional.ofNullable(signing);
    }

    /**
     * HostEnrolled for the current key: its CSR and a proof of the one-time token bound to that CSR
     * ({@link EnrollmentKey}); the token itself never leaves the host.
     */
    public HostEnrolled enrollment(String token, HostCapabilities capabilities) {
        if (token == null || !token.matches("^[A-Za-z0-9_-]{32,128}$")) {
            throw new ConfigRejectedException("enrollmentToken", "not a valid enrollment token");
        }
        String csrPem = Pem.encode(csr(key()));
        String proof = EnrollmentKey.fromToken(config.hostId(), token)
                .prove(config.hostId(), config.clusterId(), config.fqdn(), csrPem);
        return new HostEnrolled(config.hostId(), config.clusterId(), config.fqdn(), csrPem, proof, capabilities);
    }

    /**
     * Renewal: a CSR for a fresh key (a second request before its certificate arrives reuses it)
     * and a possession signature by the current key, which is how pki-service knows the request
     * comes from the holder of the current certificate.
     */
    public synchronized CsrSubmitted renewalCsr(String currentSerial) {
        HostKey next = HostKey.loadOrCreate(paths.nextHostKeyFile());
        PKCS10CertificationRequest csr = csr(next);
        try {
            Signature sig = Signature.getInstance("SHA256withECDSA");
            sig.initSign(key().privateKey());
            sig.update(csr.getEncoded());
            return new CsrSubmitted(config.hostId(), config.clusterId(), Pem.encode(csr), currentSerial,
                    Base64.getEncoder().encodeToString(sig.sign()));
        } catch (GeneralSecurityException | java.io.IOException e) {
            throw new IllegalStateException("cannot build renewal CSR", e);
        }
    }

    private PKCS10CertificationRequest csr(HostKey forKey) {
        List<String> dns = new ArrayList<>(List.of(config.fqdn()));
        config.extraNames().orElse(List.of()).forEach(n -> dns.add(ConfigValues.hostName("extra-names", n)));
        List<String> ips = new ArrayList<>(List.of(config.managementAddress()));
        config.migrationAddress().map(a -> ConfigValues.address("migration-address", a))
                .filter(a -> !ips.contains(a)).ifPresent(ips::add);
        return Csrs.build(forKey.keyPair(), config.clusterId(), config.fqdn(), dns, ips);
    }

    private Optional<HostKey> nextKeyFor(X509Certificate cert) {
        return HostKey.loadIfPresent(paths.nextHostKeyFile()).filter(k -> k.matches(cert));
    }

    private void promote(HostKey next) {
        SecureFiles.replace(paths.nextHostKeyFile(), paths.hostKeyFile());
        key = next;
    }

    private static List<X509Certificate> chain(X509Certificate cert, List<String> chainPem) {
        List<X509Certificate> chain = new ArrayList<>(List.of(cert));
        chainPem.forEach(p -> chain.addAll(Pem.certificates(p)));
        return List.copyOf(chain);
    }
}
