package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * A host was registered with the control plane. Carries only the public key that the single-use
 * enrollment token seeds ({@link dev.virtgate.contracts.trust.EnrollmentKey}), never the token.
 */
public record HostRegistered(
        String hostId,
        String clusterId,
        String fqdn,
        List<String> dnsNames,
        List<String> managementAddresses,
        List<String> migrationAddresses,
        String enrollmentKey,
        Instant enrollmentTokenExpiresAt) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
