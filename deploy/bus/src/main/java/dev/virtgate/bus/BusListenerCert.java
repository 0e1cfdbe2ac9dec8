package dev.virtgate.bus;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * The broker's own certificate on its mTLS listener {@link BusSecurity#HOSTS_LISTENER}, from a small
 * bus CA made at bootstrap. It is not virtgate's CA: the broker starts before pki-service exists.
 * Agents trust the bus CA ({@link #caPem()}, a file on each host); the bus CA's key is thrown away,
 * so nothing else can ever be signed by it. P-256 keys; the listener certificate names the broker's
 * DNS names and IP addresses (clients verify them).
 */
public record BusListenerCert(String caPem, String keyPem, String chainPem) {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Duration VALIDITY = Duration.ofDays(3650);

    /** A fresh bus CA and a listener certificate for these names (DNS names and IP literals, at least one). */
    public static BusListenerCert create(List<String> dnsNames, List<String> ipAddresses) {
        if (dnsNames.isEmpty() && ipAddresses.isEmpty()) {
            throw new IllegalArgumentException("the bus listener certificate needs at least one DNS name or IP address");
        }
        List<GeneralName> names = new ArrayList<>();
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        ipAddresses.forEach(a -> names.add(new GeneralName(GeneralName.iPAddress, a)));
        try {
            KeyPair caKey = p256();
            X500Name caName = new X500Name("CN=virtgate bus CA,O=virtgate");
            X509Certificate ca = sign(caName, caKey, caName, caKey.getPrivate(), true, List.of());
            KeyPair listenerKey = p256();
            String cn = dnsNames.isEmpty() ? ipAddresses.get(0) : dnsNames.get(0);
            X509Certificate listener = sign(new X500Name("CN=" + cn.replaceAll("[^A-Za-z0-9.:-]", "") + ",O=virtgate"),
                    listenerKey, caName, caKey.getPrivate(), false, names);
            return new BusListenerCert(pem(ca), pem(new JcaPKCS8Generator(listenerKey.getPrivate(), null).generate()),
                    pem(listener) + pem(ca));
        } catch (GeneralSecurityException | org.bouncycastle.operator.OperatorCreationException
                | org.bouncycastle.openssl.PEMException e) {
            throw new IllegalStateException("cannot make the bus listener certificate", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** What the broker's PEM keystore file holds: the unencrypted PKCS#8 key, then the chain. */
    public String keystorePem() {
        return keyPem + chainPem;
    }

    private static X509Certificate sign(X500Name subject, KeyPair subjectKey, X500Name issuer, PrivateKey issuerKey,
            boolean ca, List<GeneralName> names) throws GeneralSecurityException, IOException,
            org.bouncycastle.operator.OperatorCreationException {
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(VALIDITY)), subject,
                subjectKey.getPublic());
        builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        builder.addExtension(Extension.keyUsage, true, new KeyUsage(ca ? KeyUsage.keyCertSign | KeyUsage.cRLSign
                : KeyUsage.digitalSignature));
        if (!ca) {
            builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(names.toArray(GeneralName[]::new)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey)));
    }

    private static KeyPair p256() throws GeneralSecurityException {
        KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
        generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
        return generator.generateKeyPair();
    }

    private static String pem(Object object) throws IOException {
        StringWriter out = new StringWriter();
        try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
            writer.writeObject(object);
        }
        return out.toString();
    }
}
