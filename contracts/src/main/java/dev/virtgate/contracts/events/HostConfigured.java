package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * The agent applied configuration (or probed itself) and reports what is in force: the
 * certificate serial, the credential version and phase it acknowledges, and its posture.
 *
 * @param multifdTls libvirt and QEMU, as running now, can run a parallel (multifd) migration with QEMU
 *                   native TLS on every connection (re-discovered at every report, so an upgrade after
 *                   enrolment counts); null from agents older than the field: what enrolment said holds
 * @param migrationProxyPort the port on which the agent terminates TLS_AGENT_PROXY memory streams now;
 *                   null: it does not offer that mode (disabled, no certificate yet, or an older agent)
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
        Instant probedAt,
        Boolean multifdTls,
        Integer migrationProxyPort) implements Event {

    /** As an agent that offers no migration proxy reports. */
    public HostConfigured(String hostId, String clusterId, String appliedCertSerial, Instant certNotAfter,
            String credentialRotationId, Integer credentialVersion, CredentialPhase credentialPhase,
            boolean tlsListening, boolean saslListening, boolean nativeTlsMigration, List<PostureCheck> posture,
            String configDigest, Instant probedAt, Boolean multifdTls) {
        this(hostId, clusterId, appliedCertSerial, certNotAfter, credentialRotationId, credentialVersion,
                credentialPhase, tlsListening, saslListening, nativeTlsMigration, posture, configDigest, probedAt,
                multifdTls, null);
    }

    /** As an agent that does not report {@code multifdTls} (older agents) describes its host. */
    public HostConfigured(String hostId, String clusterId, String appliedCertSerial, Instant certNotAfter,
            String credentialRotationId, Integer credentialVersion, CredentialPhase credentialPhase,
            boolean tlsListening, boolean saslListening, boolean nativeTlsMigration, List<PostureCheck> posture,
            String configDigest, Instant probedAt) {
        this(hostId, clusterId, appliedCertSerial, certNotAfter, credentialRotationId, credentialVersion,
                credentialPhase, tlsListening, saslListening, nativeTlsMigration, posture, configDigest, probedAt, null,
                null);
    }

    @Override
    public String subject() {
        return hostId;
    }

    public boolean allChecksPass() {
        return posture != null && !posture.isEmpty()
                && posture.stream().allMatch(c -> c.status() != CheckStatus.FAIL);
    }
}
