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
import dev.virtgate.testsupport.trust.TestProducer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Stands in for pki-service: virtgate's CA (its key in memory, or in a directory to share it with
 * a Quarkus test's agent), host certificates as libvirt wants them (server and client use, SAN DNS
 * and IP, the {@code urn:virtgate:host:<id>} URI SAN), CRLs with a CRL number, and a signer
 * certificate for each control-plane service, so the events it feeds the agent are signed as
 * pki-service, credential-service or migration-service sign theirs.
 */
public final class TestPki {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final KeyPair key;
    public final X509Certificate ca;
    private final Map<String, TestProducer> services = new ConcurrentHashMap<>();

    public TestPki(String name) {
        this(HostKey.generate(), name);
    }

    private TestPki(KeyPair key, String name) {
        this.key = key;
        X500Name subject = new X500Name("O=" + name + ",CN=" + name + " CA");
        this.ca = caCertificate(subject, subject, key.getPublic());
    }

    private TestPki(KeyPair key, X509Certificate ca) {
        this.key = key;
        this.ca = ca;
    }

    /** Writes the CA's key and certificate (0600) for {@link #load}. */
    public void save(Path dir) {
        try {
            Files.createDirectories(dir);
            Files.writeString(dir.resolve("ca-key.pem"), Pem.encode(key.getPrivate()));
            Files.writeString(dir.resolve("ca.pem"), caPem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static TestPki load(Path dir) {
        return new TestPki(HostKey.loadIfPresent(dir.resolve("ca-key.pem")).orElseThrow().keyPair(),
                Pem.certificate(readString(dir.resolve("ca.pem"))));
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
            X509Certificate cert = leaf(new X500Name("O=virtgate,CN=" + n), signer.getPublic(), List.of(), List.of(),
                    Producer.service(n).uri(), Duration.ofDays(1), KeyUsage.digitalSignature);
            return TestProducer.withKey("/virtgate/" + n, signer, List.of(cert));
        });
    }

    /** A host certificate as pki-service issues it. */
    public X509Certificate hostCertificate(String hostId, String cluster, String fqdn, PublicKey subjectKey,
            List<String> ips) {
        return leaf(Csrs.subject(cluster, fqdn), subjectKey, List.of(fqdn), ips, Producer.host(hostId).uri(),
                Duration.ofDays(1), KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement);
    }

    /** A host certificate that becomes valid only at {@code notBefore}. */
    public X509Certificate hostCertificateFrom(Instant notBefore, String hostId, String cluster, String fqdn,
            PublicKey subjectKey) {
        return leaf(Csrs.subject(cluster, fqdn), subjectKey, List.of(fqdn), List.of(), Producer.host(hostId).uri(),
                notBefore, Duration.ofDays(1), KeyUsage.digitalSignature | KeyUsage.keyEncipherment);
    }

    /** A host certificate with any subject (no DNS or IP names): for subjects pki-service would never sign. */
    public X509Certificate hostCertificate(String hostId, X500Name subject, PublicKey subjectKey) {
        return leaf(subject, subjectKey, List.of(), List.of(), Producer.host(hostId).uri(), Duration.ofDays(1),
                KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement);
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
        try {
            var b = new X509v2CRLBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    Date.from(nextUpdate.minus(Duration.ofDays(1))));
            b.setNextUpdate(Date.from(nextUpdate));
            b.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
            revokedSerials.forEach(s -> b.addCRLEntry(s, new Date(), 0));
            return Pem.encode(new JcaX509CRLConverter().getCRL(b.build(signer())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** {@code next}'s CA (same subject and key) certified by this CA: a rotation's cross-signed CA. */
    public X509Certificate crossSign(TestPki next) {
        return caCertificate(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                X500Name.getInstance(next.ca.getSubjectX500Principal().getEncoded()), next.ca.getPublicKey());
    }

    public static PublicKey csrKey(String csrPem) throws Exception {
        try (PEMParser p = new PEMParser(new StringReader(csrPem))) {
            return new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) p.readObject()).getPublicKey();
        }
    }

    private X509Certificate caCertificate(X500Name issuer, X500Name subject, PublicKey subjectKey) {
        try {
            return sign(new JcaX509v3CertificateBuilder(issuer, serial(), Date.from(Instant.now().minusSeconds(60)),
                    Date.from(Instant.now().plus(Duration.ofDays(30))), subject, subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign)));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private X509Certificate leaf(X500Name subject, PublicKey subjectKey, List<String> dns, List<String> ips, String uri,
            Duration validity, int keyUsage) {
        return leaf(subject, subjectKey, dns, ips, uri, Instant.now().minusSeconds(60), validity, keyUsage);
    }

    private X509Certificate leaf(X500Name subject, PublicKey subjectKey, List<String> dns, List<String> ips, String uri,
            Instant notBefore, Duration validity, int keyUsage) {
        List<GeneralName> names = new ArrayList<>();
        Stream.concat(dns.stream().map(d -> new GeneralName(GeneralName.dNSName, d)),
                ips.stream().map(i -> new GeneralName(GeneralName.iPAddress, i))).forEach(names::add);
        names.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        try {
            return sign(new JcaX509v3CertificateBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    serial(), Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false,
                            new GeneralNames(names.toArray(GeneralName[]::new))));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private X509Certificate sign(X509v3CertificateBuilder b) {
        try {
            return new JcaX509CertificateConverter().getCertificate(b.build(signer()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private org.bouncycastle.operator.ContentSigner signer() throws Exception {
        return new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate());
    }

    private static BigInteger serial() {
        return new BigInteger(96, RANDOM).add(BigInteger.ONE);
    }

    private static String readString(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
