package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * The agent applied configuration (or probed itself) and reports what is in force: the
 * certificate serial, the credential version and phase it acknowledges, and its posture.
 */
public record HostConfigured(
        String hostId,
        String clusterId,
        String appliedCertSerial,
        Instant certNotAfter,
        String credentialRotationId,
        Integer credentialVersion,
        CredentialPhase credentialPhase,
        boolean tlsListening,
        boolean saslListening,
        boolean nativeTlsMigration,
        List<PostureCheck> posture,
        String configDigest,
        Instant probedAt) implements Event {

    @Override
    public String subject() {
        return hostId;
    }

    public boolean allChecksPass() {
        return posture != null && !posture.isEmpty()
                && posture.stream().allMatch(c -> c.status() != CheckStatus.FAIL);
    }
}
