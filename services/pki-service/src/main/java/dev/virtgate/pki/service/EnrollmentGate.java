package dev.virtgate.pki.service;

import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.repository.RegisteredHost;

import dev.virtgate.support.error.ForbiddenException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * The one-time enrollment, without the token: the CSR comes with a proof made by the key the token
 * seeds (registered in HostRegistered), and the token binds to the first CSR key that proves it.
 * The same key proving it again changes nothing; any other key is refused, proof or not.
 */
final class EnrollmentGate {

    enum Outcome {
        /** The token is unused and the proof holds: issue, then {@link #bind}. */
        FIRST_USE,
        /** The key the token is already bound to presents it again: nothing to issue. */
        SAME_KEY_AGAIN
    }

    /** Refuses (403) unless the proof verifies for this host, its names and this exact CSR. */
    static Outcome check(RegisteredHost host, String proof, String clusterId, String fqdn, String csrPem,
            CsrInspector.CsrFacts csr) {
        if (proof == null || proof.isBlank()) {
            throw new ForbiddenException("enrollment proof missing");
        }
        if (!EnrollmentKey.verify(host.enrollmentKey, proof, host.hostId, clusterId, fqdn, csrPem)) {
            throw new ForbiddenException("enrollment proof is not valid for host " + host.hostId);
        }
        if (host.enrolledKeySha256 != null) {
            if (host.enrolledKeySha256.equals(keyId(csr))) {
                return Outcome.SAME_KEY_AGAIN;
            }
            throw new ForbiddenException("enrollment token of host " + host.hostId
                    + " is already bound to another key");
        }
        if (host.tokenUsedAt != null) {
            throw new ForbiddenException("enrollment token already used");
        }
        if (!host.tokenExpiresAt.isAfter(Instant.now())) {
            throw new ForbiddenException("enrollment token expired");
        }
        return Outcome.FIRST_USE;
    }

    static void bind(RegisteredHost host, CsrInspector.CsrFacts csr) {
        host.tokenUsedAt = Instant.now();
        host.enrolledKeySha256 = keyId(csr);
    }

    static String keyId(CsrInspector.CsrFacts csr) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(csr.publicKeyInfo().getEncoded()));
        } catch (NoSuchAlgorithmException | java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private EnrollmentGate() {
    }
}
