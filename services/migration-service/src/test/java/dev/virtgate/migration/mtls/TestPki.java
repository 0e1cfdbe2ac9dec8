package dev.virtgate.migration.mtls;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import javax.security.auth.x500.X500Principal;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

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
    private static final AtomicLong SERIAL = new AtomicLong(System.currentTimeMillis());

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
        } catch (GeneralSecurityException | OperatorCreationException e) {
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
            PrivateKey caKey = KeyFactory.getInstance("EC").generatePrivate(
                    new PKCS8EncodedKeySpec(der(Files.readString(dir().resolve("ca-key.pem")))));
            X509Certificate ca;
            try (InputStream in = Files.newInputStream(caPem())) {
                ca = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(in);
            }
            Instant now = Instant.now();
            X509v2CRLBuilder crl = new X509v2CRLBuilder(
                    X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    Date.from(now.minus(Duration.ofMinutes(1))));
            crl.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (Client client : revoked) {
                crl.addCRLEntry(serial(client), Date.from(now.minus(Duration.ofMinutes(1))), CRLReason.keyCompromise);
            }
            X509CRLHolder signed = crl.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey));
            Path next = Files.createTempFile(dir(), "crl", ".tmp");
            Files.writeString(next, pem("X509 CRL", signed.getEncoded()));
            Files.move(next, crlPem(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (GeneralSecurityException | OperatorCreationException e) {
            throw new IllegalStateException(e);
        }
    }

    public static Path keystore(Client client) {
        return dir().resolve(client.name().toLowerCase(java.util.Locale.ROOT) + ".p12");
    }

    private static void write(Path dir) throws IOException, GeneralSecurityException, OperatorCreationException {
        KeyPair caKey = ecKey();
        X509Certificate ca = ca("CN=virtgate test CA,O=virtgate", caKey);
        KeyPair foreignKey = ecKey();
        X509Certificate foreign = ca("CN=elsewhere CA,O=elsewhere", foreignKey);

        KeyPair serverKey = ecKey();
        X509Certificate server = leaf("CN=localhost,O=virtgate", serverKey, ca, caKey, KeyPurposeId.id_kp_serverAuth,
                new GeneralName(GeneralName.dNSName, "localhost"), new GeneralName(GeneralName.iPAddress, "127.0.0.1"));
        Files.writeString(dir.resolve("ca.pem"), pem("CERTIFICATE", ca.getEncoded()));
        Files.writeString(dir.resolve("server.pem"), pem("CERTIFICATE", server.getEncoded()));
        Files.writeString(dir.resolve("server-key.pem"), pem("PRIVATE KEY", serverKey.getPrivate().getEncoded()));
        Files.writeString(dir.resolve("ca-key.pem"), pem("PRIVATE KEY", caKey.getPrivate().getEncoded()));

        client(dir, Client.OPERATOR, "CN=carol,O=virtgate", ca, caKey,
                new GeneralName(GeneralName.uniformResourceIdentifier, OPERATOR_URI));
        client(dir, Client.VIEWER, "CN=dave,O=virtgate", ca, caKey,
                new GeneralName(GeneralName.uniformResourceIdentifier, VIEWER_URI));
        client(dir, Client.HOST, "CN=h1.lab.virtgate.test,OU=operator,O=virtgate", ca, caKey,
                new GeneralName(GeneralName.dNSName, "h1.lab.virtgate.test"));
        client(dir, Client.FOREIGN, "CN=mallory,O=virtgate", foreign, foreignKey,
                new GeneralName(GeneralName.uniformResourceIdentifier, OPERATOR_URI));
        client(dir, Client.REVOKED, "CN=erin,O=virtgate", ca, caKey,
                new GeneralName(GeneralName.uniformResourceIdentifier, OPERATOR_URI));
        client(dir, Client.REVOKED_LATER, "CN=frank,O=virtgate", ca, caKey,
                new GeneralName(GeneralName.uniformResourceIdentifier, OPERATOR_URI));
    }

    private static BigInteger serial(Client client) throws IOException, GeneralSecurityException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(keystore(client))) {
            store.load(in, PASSWORD);
        }
        return ((X509Certificate) store.getCertificate(ALIAS)).getSerialNumber();
    }

    private static void client(Path dir, Client client, String subject, X509Certificate issuer, KeyPair issuerKey,
            GeneralName name) throws IOException, GeneralSecurityException, OperatorCreationException {
        KeyPair key = ecKey();
        X509Certificate cert = leaf(subject, key, issuer, issuerKey, KeyPurposeId.id_kp_clientAuth, name);
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry(ALIAS, key.getPrivate(), PASSWORD, new Certificate[] {cert, issuer});
        try (OutputStream out = Files.newOutputStream(dir.resolve(client.name().toLowerCase(java.util.Locale.ROOT)
                + ".p12"))) {
            store.store(out, PASSWORD);
        }
    }

    private static X509Certificate ca(String subject, KeyPair key) throws IOException, GeneralSecurityException,
            OperatorCreationException {
        X500Name name = x500(subject);
        X509v3CertificateBuilder builder = builder(name, name, key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return sign(builder, key);
    }

    private static X509Certificate leaf(String subject, KeyPair key, X509Certificate issuer, KeyPair issuerKey,
            KeyPurposeId purpose, GeneralName... names) throws IOException, GeneralSecurityException,
            OperatorCreationException {
        X509v3CertificateBuilder builder = builder(X500Name.getInstance(issuer.getSubjectX500Principal().getEncoded()),
                x500(subject), key);
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
        return sign(builder, issuerKey);
    }

    private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair key) {
        Instant now = Instant.now();
        return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(Duration.ofDays(1))), subject,
                key.getPublic());
    }

    private static X509Certificate sign(X509v3CertificateBuilder builder, KeyPair signer)
            throws GeneralSecurityException, OperatorCreationException {
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(signer.getPrivate())));
    }

    /** Encoded the way the JDK prints it back (RFC 2253), so the principal reads as written here. */
    private static X500Name x500(String subject) {
        return X500Name.getInstance(new X500Principal(subject).getEncoded());
    }

    private static KeyPair ecKey() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"));
        return generator.generateKeyPair();
    }

    private static String pem(String type, byte[] der) {
        return "-----BEGIN " + type + "-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                + "\n-----END " + type + "-----\n";
    }

    private static byte[] der(String pem) {
        return Base64.getMimeDecoder().decode(pem.replaceAll("-----[A-Z ]+-----", ""));
    }

    private TestPki() {
    }
}
