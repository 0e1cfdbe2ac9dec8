package dev.virtgate.agent.pki;

import org.bouncycastle.openssl.jcajce.JcaPEMWriter;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.cert.CRLException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.List;

/** PEM encoding and decoding of certificates, CRLs and keys. */
public final class Pem {

    public static String encode(Object object) {
        if (object instanceof java.security.PrivateKey key) {
            // PKCS#8 with the curve in the AlgorithmIdentifier: GnuTLS refuses SEC1 keys without parameters
            String b64 = java.util.Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                    .encodeToString(pkcs8WithPublicKey((java.security.interfaces.ECPrivateKey) key));
            return "-----BEGIN PRIVATE KEY-----\n" + b64 + "\n-----END PRIVATE KEY-----\n";
        }
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** PKCS#8 whose inner ECPrivateKey carries the public key too: GnuTLS requires it. */
    static byte[] pkcs8WithPublicKey(java.security.interfaces.ECPrivateKey key) {
        try {
            var jdk = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(key.getEncoded());
            var spki = org.bouncycastle.asn1.x509.SubjectPublicKeyInfo.getInstance(HostKey.publicOf(key).getEncoded());
            var inner = new org.bouncycastle.asn1.sec.ECPrivateKey(key.getParams().getOrder().bitLength(), key.getS(),
                    spki.getPublicKeyData(), null);
            return new org.bouncycastle.asn1.pkcs.PrivateKeyInfo(jdk.getPrivateKeyAlgorithm(), inner).getEncoded();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static X509Certificate certificate(String pem) {
        List<X509Certificate> certs = certificates(pem);
        if (certs.size() != 1) {
            throw new IllegalArgumentException("expected exactly one certificate");
        }
        return certs.get(0);
    }

    public static List<X509Certificate> certificates(String pem) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)))
                    .stream().map(X509Certificate.class::cast).toList();
        } catch (CertificateException e) {
            throw new IllegalArgumentException("not a PEM certificate", e);
        }
    }

    public static X509CRL crl(String pem) {
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            return (X509CRL) cf.generateCRL(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException | CRLException e) {
            throw new IllegalArgumentException("not a PEM CRL", e);
        }
    }

    private Pem() {
    }
}
