package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * A host was registered with the control plane. Carries only the SHA-256 of the single-use
 * enrollment token, never the token.
 */
public record HostRegistered(
        String hostId,
        String clusterId,
        String fqdn,
        List<String> dnsNames,
        List<String> managementAddresses,
        List<String> migrationAddresses,
        String enrollmentTokenSha256,
        Instant enrollmentTokenExpiresAt) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
