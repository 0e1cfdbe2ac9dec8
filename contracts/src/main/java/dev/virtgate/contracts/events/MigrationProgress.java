package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/** Job statistics of a running migration, published by the source agent about once a second. */
public record MigrationProgress(
        String migrationId,
        String sourceHostId,
        long elapsedMs,
        long dataTotalBytes,
        long dataProcessedBytes,
        long dataRemainingBytes,
        long memoryBytesPerSecond) implements Event {

    @Override
    public String subject() {
        return migrationId;
    }
}
