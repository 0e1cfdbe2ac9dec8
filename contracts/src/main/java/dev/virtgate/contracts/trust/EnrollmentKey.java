package dev.virtgate.contracts.trust;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Enrollment without the token on the bus. The one-time token the operator hands a host seeds an
 * Ed25519 key pair (seed = SHA-256 of a label, the host id and the token). migration-service puts
 * only the public key into HostRegistered; the agent signs its CSR with the private key and sends
 * that proof in HostEnrolled. Anyone can verify the proof, nobody can make one without the token,
 * and the token itself never leaves the operator and the host. (A signature instead of an HMAC,
 * so that verifying needs no secret: the consumers that check the proof hold none.)
 */
public final class EnrollmentKey {
    private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
    private static final Base64.Decoder B64D = Base64.getUrlDecoder();

    private final KeyPair pair;

    private EnrollmentKey(KeyPair pair) {
        this.pair = pair;
    }

    public static EnrollmentKey fromToken(String hostId, String token) {
        byte[] seed = EventSignatures.sha256(("virtgate-enrollment-v1\n" + hostId + "\n" + token)
                .getBytes(StandardCharsets.UTF_8));
        try {
            KeyPairGenerator gen = KeyPairGenerator.getInstance("Ed25519");
            gen.initialize(NamedParameterSpec.ED25519, new FixedSeed(seed));
            return new EnrollmentKey(gen.generateKeyPair());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Ed25519 unavailable", e);
        }
    }

    /** What HostRegistered carries: base64url of the public key's X.509 encoding. */
    public String publicKey() {
        return B64.encodeToString(pair.getPublic().getEncoded());
    }

    /** The proof HostEnrolled carries: a signature over the host, its cluster, its FQDN and its CSR. */
    public String prove(String hostId, String clusterId, String fqdn, String csrPem) {
        try {
            Signature s = Signature.getInstance("Ed25519");
            s.initSign(pair.getPrivate());
            s.update(proofInput(hostId, clusterId, fqdn, csrPem));
            return B64.encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign enrollment proof", e);
        }
    }

    /** True when {@code proof} was made with the token whose public key is {@code registeredKey}. */
    public static boolean verify(String registeredKey, String proof, String hostId, String clusterId, String fqdn,
            String csrPem) {
        if (registeredKey == null || proof == null) {
            return false;
        }
        try {
            PublicKey key = KeyFactory.getInstance("Ed25519")
                    .generatePublic(new X509EncodedKeySpec(B64D.decode(registeredKey)));
            Signature s = Signature.getInstance("Ed25519");
            s.initVerify(key);
            s.update(proofInput(hostId, clusterId, fqdn, csrPem));
            return s.verify(B64D.decode(proof));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] proofInput(String hostId, String clusterId, String fqdn, String csrPem) {
        return ("virtgate-enrollment-proof-v1\n" + hostId + "\n" + clusterId + "\n" + fqdn + "\n" + csrPem.strip())
                .getBytes(StandardCharsets.UTF_8);
    }

    /** Hands the generator exactly the seed: Ed25519's private key is the 32 bytes it draws. */
    private static final class FixedSeed extends SecureRandom {
        private final byte[] seed;

        FixedSeed(byte[] seed) {
            this.seed = seed.clone();
        }

        @Override
        public void nextBytes(byte[] bytes) {
            System.arraycopy(seed, 0, bytes, 0, Math.min(seed.length, bytes.length));
        }
    }
}
