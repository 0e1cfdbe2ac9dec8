package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/** A host left the fleet: its certificate is revoked and it no longer blocks rotations. */
public record HostDecommissioned(String hostId, String clusterId, String reason, String requestedBy)
        implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
