package dev.virtgate.cli.http;

import dev.virtgate.cli.CliException;
import dev.virtgate.cli.config.Credentials.TlsFiles;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/**
 * An SSLContext from PEM files: the client certificate (with its chain) and its PKCS#8 key
 * ({@code BEGIN PRIVATE KEY}, EC or RSA) for mutual TLS, and the CA that must have signed the
 * server's certificate. Without a CA file the JDK's trust store decides.
 */
public final class ClientTls {

    private ClientTls() {
    }

    public static SSLContext context(TlsFiles files) {
        try {
            KeyManagerFactory kmf = null;
            if (files.cert() != null) {
                List<? extends Certificate> chain = certificates(files.cert());
                KeyStore keys = KeyStore.getInstance("PKCS12");
                keys.load(null, null);
                keys.setKeyEntry("client", privateKey(files.key()), new char[0], chain.toArray(new Certificate[0]));
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keys, new char[0]);
            }
            TrustManagerFactory tmf = null;
            if (files.caCert() != null) {
                KeyStore trust = KeyStore.getInstance("PKCS12");
                trust.load(null, null);
                int i = 0;
                for (Certificate ca : certificates(files.caCert())) {
                    trust.setCertificateEntry("ca-" + i++, ca);
                }
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(trust);
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(kmf == null ? null : kmf.getKeyManagers(), tmf == null ? null : tmf.getTrustManagers(), null);
            return context;
        } catch (CliException e) {
            throw e;
        } catch (Exception e) {
            throw new CliException("cannot set up TLS from " + files.cert() + " / " + files.caCert() + ": "
                    + e.getMessage());
        }
    }

    /**
     * For plain-HTTP endpoints only (the local stack): java.net.http builds the JDK's default
     * SSLContext, reading the whole cacerts store, even when no TLS is ever spoken; a context with
     * no trust at all saves that at every start-up and could not verify a server if it were used.
     */
    public static SSLContext unused() {
        try {
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(new KeyManager[0], new TrustManager[0], null);
            return context;
        } catch (Exception e) {
            return null;
        }
    }

    static List<? extends Certificate> certificates(Path pem) throws Exception {
        List<? extends Certificate> certs = List.copyOf(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(pem))));
        if (certs.isEmpty()) {
            throw new CliException("no certificate in " + pem);
        }
        return certs;
    }

    static PrivateKey privateKey(Path pem) throws IOException {
        String text = Files.readString(pem, StandardCharsets.US_ASCII);
        if (!text.contains("-----BEGIN PRIVATE KEY-----")) {
            throw new CliException(pem + " is not a PKCS#8 PEM key (BEGIN PRIVATE KEY); convert it with "
                    + "openssl pkcs8 -topk8 -nocrypt -in " + pem);
        }
        byte[] der = Base64.getMimeDecoder().decode(text.replaceAll("-----[A-Z ]+-----", ""));
        for (String algorithm : List.of("EC", "RSA", "Ed25519")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (Exception e) {
                // try the next algorithm
            }
        }
        throw new CliException("cannot read the private key in " + pem + " (EC, RSA or Ed25519 expected)");
    }
}
