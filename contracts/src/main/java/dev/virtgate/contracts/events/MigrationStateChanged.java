package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * Public stream: a migration entered a state (REQUESTED, RUNNING, COMPLETED, FAILED, CANCELLED).
 * {@code reason} says why it failed or was cancelled, as the agent reported it; null otherwise.
 */
public record MigrationStateChanged(
        String migrationId,
        String vmName,
        String clusterId,
        String sourceHostId,
        String destinationHostId,
        MigrationMode mode,
        String state,
        String reason,
        Instant changedAt) implements Event {

    @Override
    public String subject() {
        return migrationId;
    }
}
