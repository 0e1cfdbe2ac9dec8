package dev.virtgate.pki.support;

import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.pki.pki.Pem;

import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Base64;
import java.util.List;

/**
 * Tokens, proofs and registrations for tests: what a host agent and migration-service produce (keys and CSRs
 * come from test-support's TestKeys and TestCsr).
 */
public final class Fixtures {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The renewal proof: signature over the CSR's DER by the current key. */
    public static String possession(PrivateKey currentKey, String csrPem) {
        try {
            Signature signature = Signature.getInstance(
                    "RSA".equals(currentKey.getAlgorithm()) ? "SHA256withRSA" : "SHA256withECDSA");
            signature.initSign(currentKey);
            signature.update(Pem.csr(csrPem).getEncoded());
            return Base64.getEncoder().encodeToString(signature.sign());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
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
