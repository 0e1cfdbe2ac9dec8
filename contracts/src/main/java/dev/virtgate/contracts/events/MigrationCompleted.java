package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/** The guest runs on the destination and is gone from the source. */
public record MigrationCompleted(
        String migrationId,
        String vmName,
        String sourceHostId,
        String destinationHostId,
        MigrationMode mode,
        long wallTimeMs,
        Long transferTimeMs,
        Long downtimeMs,
        Long transferredBytes,
        Long throughputBytesPerSecond) implements Event {

    @Override
    public String subject() {
        return migrationId;
    }
}
