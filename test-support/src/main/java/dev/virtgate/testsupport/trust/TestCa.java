package dev.virtgate.testsupport.trust;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority in the test's memory: it stands in for virtgate's CA where a test runs
 * without pki-service, and it is the attacker's "foreign CA" where a test needs one. Certificates
 * it issues name their producer in a URI SAN exactly as pki-service's do. Keys and CSRs for it
 * come from {@link TestKeys} and {@link TestCsr}.
 */
public final class TestCa {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration CA_VALIDITY = Duration.ofDays(3650);
    private final KeyPair key;
    private final X509Certificate certificate;

    public TestCa(String commonName) {
        this(new X500Name("CN=" + commonName + ",O=virtgate-test"), ecKey());
    }

    /** A CA whose subject is {@code subject} as the JDK reads a DN, e.g. "CN=virtgate test CA,O=virtgate". */
    public TestCa(X500Principal subject) {
        this(subject, ecKey());
    }

    /** A self-signed CA for {@code key}, e.g. an operator's P-384 offline root. */
    public TestCa(X500Principal subject, KeyPair key) {
        this(X500Name.getInstance(subject.getEncoded()), key);
    }

    private TestCa(X500Name name, KeyPair key) {
        this.key = key;
        certificate = sign(name, key.getPublic(), name, new BasicConstraints(true), caKeyUsage(), null, List.of(),
                notBefore(), Instant.now().plus(CA_VALIDITY));
    }

    private TestCa(KeyPair key, X509Certificate certificate) {
        this.key = key;
        this.certificate = certificate;
    }

    /** A CA from its key and certificate, e.g. saved by an earlier test JVM. */
    public static TestCa of(KeyPair key, X509Certificate certificate) {
        return new TestCa(key, certificate);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public KeyPair keyPair() {
        return key;
    }

    public String pem() {
        return pem(certificate);
    }

    /** A leaf for {@code subjectKey} naming {@code uri} (e.g. urn:virtgate:service:pki-service) as its one URI SAN. */
    public X509Certificate issue(String commonName, PublicKey subjectKey, String uri, Duration validity) {
        return leaf(subjectKey).subject("CN=" + commonName + ",O=virtgate-test").uri(uri).validity(validity).issue();
    }

    /** A certificate for {@code subjectKey} to describe, then {@link TestLeaf#issue()}. */
    public TestLeaf leaf(PublicKey subjectKey) {
        return new TestLeaf(this, subjectKey);
    }

    /** {@code next}'s CA (same subject and key) certified by this CA: a rotation's cross-signed CA. */
    public X509Certificate crossSign(TestCa next) {
        return sign(X500Name.getInstance(next.certificate.getSubjectX500Principal().getEncoded()),
                next.certificate.getPublicKey(), subjectName(), new BasicConstraints(true), caKeyUsage(), null, List.of(), notBefore(),
                Instant.now().plus(CA_VALIDITY));
    }

    /** A CRL numbered {@code number}, valid until {@code nextUpdate}, revoking these serials (key compromise). */
    public X509CRL crl(long number, List<BigInteger> revokedSerials, Instant nextUpdate) {
        Instant now = Instant.now();
        Instant thisUpdate = nextUpdate.minus(Duration.ofDays(1));
        var builder = new X509v2CRLBuilder(subjectName(), Date.from(thisUpdate.isBefore(now) ? thisUpdate
                : now.minus(Duration.ofMinutes(1))));
        builder.setNextUpdate(Date.from(nextUpdate));
        try {
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(number)));
            revokedSerials.forEach(serial -> builder.addCRLEntry(serial, Date.from(now.minus(Duration.ofMinutes(1))),
                    CRLReason.keyCompromise));
            return new JcaX509CRLConverter().getCRL(builder.build(TestKeys.signer(key.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build test CRL", e);
        }
    }

    public static KeyPair ecKey() {
        return TestKeys.p256();
    }

    public static String pem(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static String pem(List<X509Certificate> chain) {
        StringBuilder out = new StringBuilder();
        chain.forEach(c -> out.append(pem(c)));
        return out.toString();
    }

    X509Certificate sign(X500Name subject, PublicKey subjectKey, BasicConstraints constraints, int keyUsage,
            ExtendedKeyUsage eku, List<GeneralName> names, Instant from, Instant until) {
        return sign(subject, subjectKey, subjectName(), constraints, keyUsage, eku, names, from, until);
    }

    private X509Certificate sign(X500Name subject, PublicKey subjectKey, X500Name issuer, BasicConstraints constraints,
            int keyUsage, ExtendedKeyUsage eku, List<GeneralName> names, Instant from, Instant until) {
        try {
            var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                    Date.from(from), Date.from(until), subject, subjectKey);
            builder.addExtension(Extension.basicConstraints, true, constraints);
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage));
            if (eku != null) {
                builder.addExtension(Extension.extendedKeyUsage, false, eku);
            }
            if (!names.isEmpty()) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
            }
            return new JcaX509CertificateConverter().getCertificate(builder.build(TestKeys.signer(key.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build test certificate", e);
        }
    }

    private X500Name subjectName() {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private static int caKeyUsage() {
        return KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature;
    }

    private static Instant notBefore() {
        return Instant.now().minus(Duration.ofMinutes(5));
    }
}
