package dev.virtgate.testsupport.trust;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.Provider;
import java.security.spec.ECGenParameterSpec;

/**
 * Key pairs for tests, and their private halves as PEM. Keys come from BouncyCastle, which also knows
 * curves the JDK dropped (secp256k1, for tests that must be refused) and whose PKCS#8 carries the public
 * point, which GnuTLS (libvirt, virt-admin) requires of an EC key.
 */
public final class TestKeys {
    static final Provider BC = new BouncyCastleProvider();

    /** EC P-256: the key every virtgate host and client holds. */
    public static KeyPair p256() {
        return ec("secp256r1");
    }

    public static KeyPair ec(String curve) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec(curve));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an EC key on " + curve, e);
        }
    }

    public static KeyPair rsa(int bits) {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA", BC);
            generator.initialize(bits);
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot make an RSA key of " + bits + " bits", e);
        }
    }

    /** PKCS#8 ("PRIVATE KEY") PEM. */
    public static String pkcs8Pem(PrivateKey key) {
        try {
            return TestCa.pem(new JcaPKCS8Generator(key, null).generate());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A private key from PEM, PKCS#8 or SEC1 ("EC PRIVATE KEY"). */
    public static PrivateKey privateKey(String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter().setProvider(BC);
            return o instanceof PEMKeyPair pair ? converter.getPrivateKey(pair.getPrivateKeyInfo())
                    : converter.getPrivateKey((PrivateKeyInfo) o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** SHA-256 with the key's own algorithm (RSA or ECDSA). */
    static ContentSigner signer(PrivateKey key) {
        String algorithm = "RSA".equals(key.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA";
        try {
            return new JcaContentSignerBuilder(algorithm).setProvider(BC).build(key);
        } catch (Exception e) {
            throw new IllegalStateException("cannot sign with a " + key.getAlgorithm() + " key", e);
        }
    }

    private TestKeys() {
    }
}
