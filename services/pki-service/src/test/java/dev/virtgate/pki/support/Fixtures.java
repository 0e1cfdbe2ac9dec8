package dev.virtgate.pki.support;

import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.pki.pki.Pem;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** Keys, CSRs, tokens, proofs and registrations for tests: what a host agent and migration-service produce. */
public final class Fixtures {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final org.bouncycastle.jce.provider.BouncyCastleProvider BC =
            new org.bouncycastle.jce.provider.BouncyCastleProvider();

    public static KeyPair ec(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair p256() {
        return ec("secp256r1");
    }

    public static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static String csr(KeyPair key, String cn, List<String> dns, List<String> ips) {
        return Pem.write(csrObject(key, cn, dns, ips));
    }

    public static PKCS10CertificationRequest csrObject(KeyPair key, String cn, List<String> dns, List<String> ips) {
        try {
            var builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), key.getPublic());
            List<GeneralName> names = new ArrayList<>();
            dns.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
            ips.forEach(n -> names.add(new GeneralName(GeneralName.iPAddress, n)));
            if (!names.isEmpty()) {
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            return builder.build(new JcaContentSignerBuilder(algorithm(key.getPrivate())).setProvider(BC).build(key.getPrivate()));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A CSR for one key whose signature was made by another: it does not verify. */
    public static String csrWithForeignSignature(KeyPair subjectKey, String cn) {
        try {
            KeyPair other = p256();
            var builder = new JcaPKCS10CertificationRequestBuilder(new X500Name("CN=" + cn), subjectKey.getPublic());
            return Pem.write(builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(other.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The renewal proof: signature over the CSR's DER by the current key. */
    public static String possession(PrivateKey currentKey, String csrPem) {
        try {
            Signature signature = Signature.getInstance(algorithm(currentKey));
            signature.initSign(currentKey);
            signature.update(Pem.csr(csrPem).getEncoded());
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String algorithm(PrivateKey key) {
        return "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
    }

    /** 32 random bytes, base64url without padding: 43 characters. */
    public static String token() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The enrollment proof an agent holding {@code token} makes for this CSR (EnrollmentKey). */
    public static String proof(HostRegistered host, String token, String csrPem) {
        return EnrollmentKey.fromToken(host.hostId(), token).prove(host.hostId(), host.clusterId(), host.fqdn(), csrPem);
    }

    public static String hostId(String prefix) {
        return prefix + "-" + Long.toString(RANDOM.nextLong() & 0xffffffffL, 36);
    }

    /** A host with a management and a migration address; its token expires in an hour. */
    public static HostRegistered registered(String hostId, String token) {
        return registered(hostId, token, Instant.now().plus(1, ChronoUnit.HOURS));
    }

    public static HostRegistered registered(String hostId, String token, Instant expiresAt) {
        int n = RANDOM.nextInt(250) + 1;
        return new HostRegistered(hostId, "cluster-a", hostId + ".lab.example", List.of(hostId + ".mgmt.example"),
                List.of("10.0.0." + n), List.of("10.9.0." + n), EnrollmentKey.fromToken(hostId, token).publicKey(),
                expiresAt);
    }

    private Fixtures() {
    }
}
