package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * The credential service created the host's AppRole. The secret-id itself is response-wrapped:
 * the event carries a single-use, short-lived wrapping token that only unwraps once.
 */
public record HostAccessGranted(
        String hostId,
        String clusterId,
        String roleId,
        String wrappingToken,
        Instant wrapExpiresAt,
        String credentialKvPath) implements Event {

    @Override
    public String subject() {
        return hostId;
    }

    @Override
    public String toString() {
        return "HostAccessGranted[hostId=" + hostId + ", clusterId=" + clusterId + ", roleId=" + roleId
                + ", wrappingToken=<redacted>, wrapExpiresAt=" + wrapExpiresAt + ", credentialKvPath="
                + credentialKvPath + "]";
    }
}
