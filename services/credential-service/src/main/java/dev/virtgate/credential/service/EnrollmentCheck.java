package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.credential.pki.HostKeys;
import dev.virtgate.credential.repository.HostMember;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.HexFormat;

/**
 * What this service checks on top of the authorization table before a HostEnrolled grants access:
 * the host was registered (by migration-service) in that cluster, the enrollment proof verifies with
 * the key its registration carries (over host, cluster, FQDN and CSR, the FQDN being the registered
 * one), and the token is bound to the first CSR key that proved it. The event's own signature by
 * that CSR key was verified before (EventVerifier).
 */
public final class EnrollmentCheck {

    /** The outcome for one HostEnrolled. */
    public sealed interface Verdict {
    }

    /** Grant access to this CSR key, whose fingerprint the token is bound to from now on. */
    public record Accept(String keySha256) implements Verdict {
    }

    /** The key the token is bound to enrolled again (a replay or an agent's retry): nothing to do. */
    public record Duplicate() implements Verdict {
    }

    /** Refused, and why (names no value of the event). */
    public record Refuse(String reason) implements Verdict {
    }

    public static Verdict check(HostMember host, HostEnrolled enrolled, Instant now) {
        if (host == null || host.decommissioned) {
            return new Refuse("host is not registered");
        }
        if (!host.clusterId.equals(enrolled.clusterId())) {
            return new Refuse("cluster does not match the registration");
        }
        if (host.fqdn != null && !host.fqdn.equals(enrolled.fqdn())) {
            return new Refuse("FQDN does not match the registration");
        }
        String keySha256;
        try {
            keySha256 = fingerprint(HostKeys.publicKeyOf(enrolled.csrPem()).getEncoded());
        } catch (IllegalArgumentException e) {
            return new Refuse("CSR refused: " + e.getMessage());
        }
        if (!EnrollmentKey.verify(host.enrollmentKey, enrolled.enrollmentProof(), enrolled.hostId(),
                enrolled.clusterId(), enrolled.fqdn(), enrolled.csrPem())) {
            return new Refuse("enrollment proof does not verify with the registered enrollment key");
        }
        if (host.enrollmentTokenUsed) {
            return keySha256.equals(host.enrolledKeySha256) ? new Duplicate()
                    : new Refuse("enrollment token already bound to another key");
        }
        if (host.enrollmentTokenExpiresAt == null || !host.enrollmentTokenExpiresAt.isAfter(now)) {
            return new Refuse("enrollment token expired");
        }
        return new Accept(keySha256);
    }

    static String fingerprint(byte[] encodedKey) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(encodedKey));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private EnrollmentCheck() {
    }
}
