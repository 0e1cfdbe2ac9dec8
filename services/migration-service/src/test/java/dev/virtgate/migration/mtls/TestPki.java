package dev.virtgate.migration.mtls;

import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestKeys;
import dev.virtgate.testsupport.trust.TestLeaf;

import javax.security.auth.x500.X500Principal;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.UnaryOperator;

/**
 * Writes the mTLS test material to a fresh directory under target/, once per JVM: virtgate's CA (PEM) and its
 * key (PEM, to sign CRLs), the server's certificate and key (PEM), client keystores (PKCS12, alias
 * {@value #ALIAS}) and a CRL (PEM) of virtgate's CA revoking {@link Client#REVOKED}. The directory is
 * published as a system property because the test profile and the test class may sit in different class
 * loaders.
 */
public final class TestPki {
    public static final String ALIAS = "client";
    public static final char[] PASSWORD = "virtgate-test".toCharArray();
    public static final String OPERATOR_URI = "urn:virtgate:role:operator";
    public static final String VIEWER_URI = "urn:virtgate:role:viewer";
    private static final String DIR_PROPERTY = "virtgate.test.mtls.dir";
    private static final AtomicLong CRL_NUMBER = new AtomicLong(System.currentTimeMillis());

    /** Client identities written by {@link #dir()}; the file is {@code <name>.p12}. */
    public enum Client {
        /** CN=carol, issued by virtgate's CA with the operator role URI. */
        OPERATOR,
        /** CN=dave, issued by virtgate's CA with the viewer role URI. */
        VIEWER,
        /** Looks like a host certificate of a cluster named "operator": OU=operator, no role URI. */
        HOST,
        /** CN=mallory with the operator role URI, issued by another CA. */
        FOREIGN,
        /** CN=erin, operator role URI, virtgate's CA; listed in the CRL written by {@link #dir()}. */
        REVOKED,
        /** CN=frank, operator role URI, virtgate's CA; not in the first CRL, for {@link #writeCrl}. */
        REVOKED_LATER
    }

    public static synchronized Path dir() {
        String existing = System.getProperty(DIR_PROPERTY);
        if (existing != null) {
            return Path.of(existing);
        }
        try {
            Path dir = Files.createDirectories(Path.of("target", "mtls-" + System.nanoTime())).toAbsolutePath();
            write(dir);
            System.setProperty(DIR_PROPERTY, dir.toString());
            writeCrl(Client.REVOKED);
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path caPem() {
        return dir().resolve("ca.pem");
    }

    public static Path serverCertPem() {
        return dir().resolve("server.pem");
    }

    public static Path serverKeyPem() {
        return dir().resolve("server-key.pem");
    }

    public static Path crlPem() {
        return dir().resolve("crl.pem");
    }

    /**
     * Replaces {@link #crlPem()} by a CRL of virtgate's CA listing {@code revoked}, in one move so the server
     * never reads half a file.
     */
    public static void writeCrl(Client... revoked) {
        try {
            X509Certificate certificate = (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(Files.readAllBytes(caPem())));
            TestCa ca = TestCa.of(new KeyPair(certificate.getPublicKey(),
                    TestKeys.privateKey(Files.readString(dir().resolve("ca-key.pem")))), certificate);
            List<BigInteger> serials = new ArrayList<>();
            for (Client client : revoked) {
                serials.add(serial(client));
            }
            X509CRL crl = ca.crl(CRL_NUMBER.incrementAndGet(), serials, Instant.now().plus(Duration.ofDays(1)));
            Path next = Files.createTempFile(dir(), "crl", ".tmp");
            Files.writeString(next, TestCa.pem(crl));
            Files.move(next, crlPem(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path keystore(Client client) {
        return dir().resolve(fileName(client));
    }

    private static String fileName(Client client) {
        return client.name().toLowerCase(Locale.ROOT) + ".p12";
    }

    private static void write(Path dir) throws IOException, GeneralSecurityException {
        TestCa ca = new TestCa(new X500Principal("CN=virtgate test CA,O=virtgate"));
        TestCa foreign = new TestCa(new X500Principal("CN=elsewhere CA,O=elsewhere"));
        KeyPair serverKey = TestKeys.p256();
        X509Certificate server = ca.leaf(serverKey.getPublic()).subject(new X500Principal("CN=localhost,O=virtgate"))
                .dns("localhost").ips("127.0.0.1").serverAuth().issue();
        Files.writeString(dir.resolve("ca.pem"), ca.pem());
        Files.writeString(dir.resolve("server.pem"), TestCa.pem(server));
        Files.writeString(dir.resolve("server-key.pem"), TestKeys.pkcs8Pem(serverKey.getPrivate()));
        Files.writeString(dir.resolve("ca-key.pem"), TestKeys.pkcs8Pem(ca.keyPair().getPrivate()));

        client(dir, Client.OPERATOR, ca, "CN=carol,O=virtgate", leaf -> leaf.uri(OPERATOR_URI));
        client(dir, Client.VIEWER, ca, "CN=dave,O=virtgate", leaf -> leaf.uri(VIEWER_URI));
        client(dir, Client.HOST, ca, "CN=h1.lab.virtgate.test,OU=operator,O=virtgate",
                leaf -> leaf.dns("h1.lab.virtgate.test"));
        client(dir, Client.FOREIGN, foreign, "CN=mallory,O=virtgate", leaf -> leaf.uri(OPERATOR_URI));
        client(dir, Client.REVOKED, ca, "CN=erin,O=virtgate", leaf -> leaf.uri(OPERATOR_URI));
        client(dir, Client.REVOKED_LATER, ca, "CN=frank,O=virtgate", leaf -> leaf.uri(OPERATOR_URI));
    }

    private static BigInteger serial(Client client) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore(client))) {
            store.load(in, PASSWORD);
        }
        return ((X509Certificate) store.getCertificate(ALIAS)).getSerialNumber();
    }

    /** A PKCS12 keystore holding a client certificate with {@code subject} (as the JDK prints it) and {@code names}. */
    private static void client(Path dir, Client client, TestCa issuer, String subject, UnaryOperator<TestLeaf> names)
            throws IOException, GeneralSecurityException {
        KeyPair key = TestKeys.p256();
        X509Certificate cert = names.apply(issuer.leaf(key.getPublic()).subject(new X500Principal(subject)))
                .clientAuth().issue();
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, key.getPrivate(), PASSWORD, new Certificate[] {cert, issuer.certificate()});
        try (OutputStream out = Files.newOutputStream(dir.resolve(fileName(client)))) {
            store.store(out, PASSWORD);
        }
    }

    private TestPki() {
    }
}
