package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * The credential service created the host's AppRole. The secret-id is response-wrapped (single
 * use, short TTL) and the wrapping token is itself encrypted to the host's enrollment key (ECIES,
 * base64), so only that host can unwrap it even though every consumer of the bus sees the event.
 */
public record HostAccessGranted(
        String hostId,
        String clusterId,
        String roleId,
        String encryptedWrappingToken,
        Instant wrapExpiresAt,
        String credentialKvPath) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
