package dev.virtgate.testsupport.trust;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A certificate authority in the test's memory: it stands in for virtgate's CA where a test runs
 * without pki-service, and it is the attacker's "foreign CA" where a test needs one. Certificates
 * it issues name their producer in a URI SAN exactly as pki-service's do.
 */
public final class TestCa {
    private static final SecureRandom RANDOM = new SecureRandom();
    private final KeyPair key;
    private final X509Certificate certificate;

    public TestCa(String commonName) {
        key = ecKey();
        X500Name name = new X500Name("CN=" + commonName + ",O=virtgate-test");
        certificate = build(name, key.getPublic(), name, null, true, Duration.ofDays(3650));
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public String pem() {
        return pem(certificate);
    }

    /** A leaf for {@code subjectKey} naming {@code uri} (e.g. urn:virtgate:service:pki-service) as its one URI SAN. */
    public X509Certificate issue(String commonName, PublicKey subjectKey, String uri, Duration validity) {
        return build(new X500Name("CN=" + commonName + ",O=virtgate-test"), subjectKey, subjectName(), uri, false,
                validity);
    }

    public static KeyPair ecKey() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
            g.initialize(new ECGenParameterSpec("secp256r1"));
            return g.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
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

    private X500Name subjectName() {
        return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
    }

    private X509Certificate build(X500Name subject, PublicKey subjectKey, X500Name issuer, String uri, boolean ca,
            Duration validity) {
        try {
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minusSeconds(300)), Date.from(now.plus(validity)), subject, subjectKey);
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca
                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature : KeyUsage.digitalSignature));
            if (uri != null) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build test certificate", e);
        }
    }
}
