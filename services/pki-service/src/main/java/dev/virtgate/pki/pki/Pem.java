package dev.virtgate.pki.pki;

import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.security.PublicKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;

/** PEM in and out. */
public final class Pem {

    public static String write(Object object) {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    /** Reads exactly one object of the given type or returns null. */
    public static <T> T read(String pem, Class<T> type) {
        if (pem == null) {
            return null;
        }
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object object = parser.readObject();
            return type.isInstance(object) ? type.cast(object) : null;
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public static X509CertificateHolder certificate(String pem) {
        X509CertificateHolder holder = read(pem, X509CertificateHolder.class);
        if (holder == null) {
            throw new IllegalArgumentException("not a PEM certificate");
        }
        return holder;
    }

    public static X509Certificate x509(X509CertificateHolder holder) {
        try {
            return new JcaX509CertificateConverter().getCertificate(holder);
        } catch (CertificateException e) {
            throw new IllegalArgumentException("unreadable certificate", e);
        }
    }

    public static X509Certificate x509(String pem) {
        return x509(certificate(pem));
    }

    public static PKCS10CertificationRequest csr(String pem) {
        return read(pem, PKCS10CertificationRequest.class);
    }

    public static X509CRLHolder crl(String pem) {
        return read(pem, X509CRLHolder.class);
    }

    public static PublicKey publicKey(String pem) {
        SubjectPublicKeyInfo info = read(pem, SubjectPublicKeyInfo.class);
        if (info == null) {
            throw new IllegalArgumentException("not a PEM public key");
        }
        return publicKey(info);
    }

    public static PublicKey publicKey(SubjectPublicKeyInfo info) {
        try {
            return new JcaPEMKeyConverter().getPublicKey(info);
        } catch (IOException e) {
            throw new IllegalArgumentException("unsupported public key", e);
        }
    }

    private Pem() {
    }
}
