package dev.virtgate.agent.it;

import dev.virtgate.agent.pki.Csrs;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.LibvirtDn;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestLeaf;
import dev.virtgate.testsupport.trust.TestProducer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.KeyUsage;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Stands in for pki-service: virtgate's CA (test-support's {@link TestCa}, its key in memory, or in a
 * directory to share it with a Quarkus test's agent), host certificates as libvirt wants them (server and
 * client use, SAN DNS and IP, the {@code urn:virtgate:host:<id>} URI SAN), CRLs with a CRL number, and a
 * signer certificate for each control-plane service, so the events it feeds the agent are signed as
 * pki-service, credential-service or migration-service sign theirs.
 */
public final class TestPki {
    private static final int HOST_KEY_USAGE = KeyUsage.digitalSignature | KeyUsage.keyEncipherment
            | KeyUsage.keyAgreement;
    private final TestCa authority;
    public final X509Certificate ca;
    private final Map<String, TestProducer> services = new ConcurrentHashMap<>();

    public TestPki(String name) {
        this(new TestCa(new X500Principal("CN=" + name + " CA,O=" + name)));
    }

    private TestPki(TestCa authority) {
        this.authority = authority;
        this.ca = authority.certificate();
    }

    /** Writes the CA's key and certificate (0600) for {@link #load}. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca-key.pem"), Pem.encode(authority.keyPair().getPrivate()));
            Files.writeString(dir.resolve("ca.pem"), caPem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TestPki load(Path dir) {
        KeyPair key = HostKey.loadIfPresent(dir.resolve("ca-key.pem")).orElseThrow().keyPair();
        return new TestPki(TestCa.of(key, Pem.certificate(readString(dir.resolve("ca.pem")))));
    }

    public String caPem() {
        return Pem.encode(ca);
    }

    /** What the operator's enrollment bundle pins. */
    public String fingerprint() {
        return EventSignatures.fingerprint(ca);
    }

    public TestProducer pkiService() {
        return service(EventAuthorization.PKI_SERVICE);
    }

    public TestProducer credentialService() {
        return service(EventAuthorization.CREDENTIAL_SERVICE);
    }

    public TestProducer migrationService() {
        return service(EventAuthorization.MIGRATION_SERVICE);
    }

    /** A service's signer: its own key, certified by this CA with {@code urn:virtgate:service:<name>}. */
    public TestProducer service(String name) {
        return services.computeIfAbsent(name, n -> {
            KeyPair signer = HostKey.generate();
            X509Certificate cert = leaf(signer.getPublic()).subject("O=virtgate,CN=" + n)
                    .uri(Producer.service(n).uri()).issue();
            return TestProducer.withKey("/virtgate/" + n, signer, List.of(cert));
        });
    }

    /** A host certificate as pki-service issues it. */
    public X509Certificate hostCertificate(String hostId, String cluster, String fqdn, PublicKey subjectKey,
            List<String> ips) {
        return leaf(subjectKey).subject(Csrs.subject(cluster, fqdn)).dns(fqdn).ips(ips)
                .uri(Producer.host(hostId).uri()).keyUsage(HOST_KEY_USAGE).issue();
    }

    /** A host certificate that becomes valid only at {@code notBefore}. */
    public X509Certificate hostCertificateFrom(Instant notBefore, String hostId, String cluster, String fqdn,
            PublicKey subjectKey) {
        return leaf(subjectKey).subject(Csrs.subject(cluster, fqdn)).dns(fqdn).uri(Producer.host(hostId).uri())
                .notBefore(notBefore).keyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment).issue();
    }

    /** A host certificate with any subject (no DNS or IP names): for subjects pki-service would never sign. */
    public X509Certificate hostCertificate(String hostId, X500Name subject, PublicKey subjectKey) {
        return leaf(subjectKey).subject(subject).uri(Producer.host(hostId).uri()).keyUsage(HOST_KEY_USAGE).issue();
    }

    public CertIssued issue(String hostId, String cluster, String fqdn, PublicKey subjectKey, List<String> ips) {
        return certIssued(hostId, cluster, hostCertificate(hostId, cluster, fqdn, subjectKey, ips), List.of(caPem()));
    }

    public CertIssued certIssued(String hostId, String cluster, X509Certificate cert, List<String> caBundle) {
        return new CertIssued(hostId, cluster, cert.getSerialNumber().toString(16),
                cert.getSubjectX500Principal().getName(), LibvirtDn.of(cert), Pem.encode(cert), List.of(), caBundle,
                cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), "ENROLLMENT");
    }

    public CertRevoked revoked(String hostId, String cluster, X509Certificate cert, String crlPem) {
        return new CertRevoked(hostId, cluster, cert.getSerialNumber().toString(16), LibvirtDn.of(cert),
                "KEY_COMPROMISE", Instant.now(), crlPem);
    }

    /** A CRL signed by this CA with the given CRL number. */
    public String crl(long number, List<BigInteger> revokedSerials) {
        return crl(number, revokedSerials, Instant.now().plus(Duration.ofDays(1)));
    }

    /** As pki-service publishes every re-signed CRL: CrlPublished for {@link #crl}. */
    public CrlPublished crlPublished(long number, List<BigInteger> revokedSerials) {
        X509CRL crl = Pem.crl(crl(number, revokedSerials));
        return new CrlPublished(fingerprint(), crl.getIssuerX500Principal().getName(), Long.toString(number),
                crl.getThisUpdate().toInstant(), crl.getNextUpdate().toInstant(), Pem.encode(crl));
    }

    public String crl(long number, List<BigInteger> revokedSerials, Instant nextUpdate) {
        return Pem.encode(authority.crl(number, revokedSerials, nextUpdate));
    }

    /** {@code next}'s CA (same subject and key) certified by this CA: a rotation's cross-signed CA. */
    public X509Certificate crossSign(TestPki next) {
        return authority.crossSign(next.authority);
    }

    /** Every leaf virtgate's CA issues serves both ends of a TLS connection. */
    private TestLeaf leaf(PublicKey subjectKey) {
        return authority.leaf(subjectKey).serverAuth().clientAuth();
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
