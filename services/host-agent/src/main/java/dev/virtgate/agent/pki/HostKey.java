package dev.virtgate.agent.pki;

import dev.virtgate.agent.files.SecureFiles;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.ECPrivateKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.ECPublicKeySpec;
import java.util.Optional;

/**
 * The host's EC P-256 key pair. Generated here, stored 0600 in the state directory (created with
 * that mode, so it is never readable by others even for a moment), never sent anywhere.
 */
public final class HostKey {
    private final KeyPair keyPair;

    private HostKey(KeyPair keyPair) {
        this.keyPair = keyPair;
    }

    public static HostKey loadOrCreate(Path file) {
        if (Files.exists(file)) {
            return load(file);
        }
        KeyPair kp = generate();
        SecureFiles.writeAtomically(file, Pem.encode(kp.getPrivate()).getBytes(StandardCharsets.US_ASCII),
                "rw-------", null);
        return new HostKey(kp);
    }

    public static Optional<HostKey> loadIfPresent(Path file) {
        return Files.exists(file) ? Optional.of(load(file)) : Optional.empty();
    }

    public static KeyPair generate() {
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("EC");
            gen.initialize(new ECGenParameterSpec("secp256r1"));
            return gen.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    static HostKey load(Path file) {
        try (PEMParser parser = new PEMParser(new StringReader(Files.readString(file)))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            PrivateKey priv = o instanceof org.bouncycastle.openssl.PEMKeyPair pair
                    ? conv.getKeyPair(pair).getPrivate() : conv.getPrivateKey((PrivateKeyInfo) o);
            return new HostKey(new KeyPair(publicOf((ECPrivateKey) priv), priv));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static PublicKey publicOf(ECPrivateKey priv) {
        try {
            var spec = priv.getParams();
            var bcSpec = org.bouncycastle.jcajce.provider.asymmetric.util.EC5Util.convertSpec(spec);
            var q = bcSpec.getG().multiply(priv.getS()).normalize();
            var point = new java.security.spec.ECPoint(q.getAffineXCoord().toBigInteger(),
                    q.getAffineYCoord().toBigInteger());
            return KeyFactory.getInstance("EC").generatePublic(new ECPublicKeySpec(point, spec));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public PublicKey publicKey() {
        return keyPair.getPublic();
    }

    public PrivateKey privateKey() {
        return keyPair.getPrivate();
    }

    public KeyPair keyPair() {
        return keyPair;
    }

    public String privateKeyPem() {
        return Pem.encode(keyPair.getPrivate());
    }

    public boolean matches(java.security.cert.X509Certificate cert) {
        return java.util.Arrays.equals(cert.getPublicKey().getEncoded(), keyPair.getPublic().getEncoded());
    }
}
