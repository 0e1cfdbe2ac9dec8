package dev.virtgate.e2e;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.StringWriter;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;

/**
 * PEM files for an HTTPS listener on 127.0.0.1 (a throw-away CA and a server certificate naming the
 * address), and what a client sends pki-service for a client certificate: a CSR with only a CN.
 */
final class TlsMaterial {

    /** Writes ca.pem, server.pem and server-key.pem (PKCS#8) into {@code dir}. */
    static void writeServer(Path dir) throws Exception {
        KeyPair caKey = Csr.newKey();
        X500Name caName = new X500Name("CN=cli test server CA");
        X509Certificate ca = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.ONE, Date.from(Instant.now()
                .minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))), caName, caKey.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true)), caKey);
        KeyPair serverKey = Csr.newKey();
        X509Certificate server = sign(new JcaX509v3CertificateBuilder(caName, BigInteger.TWO, Date.from(Instant.now()
                .minusSeconds(60)), Date.from(Instant.now().plus(Duration.ofDays(1))), new X500Name("CN=127.0.0.1"),
                serverKey.getPublic())
                .addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.iPAddress, "127.0.0.1"))), caKey);
        Files.writeString(dir.resolve("ca.pem"), pem(ca));
        Files.writeString(dir.resolve("server.pem"), pem(server));
        Files.writeString(dir.resolve("server-key.pem"), privateKeyPem(serverKey));
    }

    static String clientCsr(KeyPair key, String name) throws Exception {
        return pem(new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + name), key.getPublic())
                .build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    static String privateKeyPem(KeyPair key) {
        return "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getPrivate().getEncoded())
                + "\n-----END PRIVATE KEY-----\n";
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair issuer) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuer.getPrivate())));
    }

    private static String pem(Object object) throws Exception {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }

    private TlsMaterial() {
    }
}
