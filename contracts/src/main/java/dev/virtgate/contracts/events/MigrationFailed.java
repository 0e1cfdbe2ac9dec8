package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/** The migration did not happen (or was cancelled); carries libvirt's error when there is one. */
public record MigrationFailed(
        String migrationId,
        String vmName,
        String sourceHostId,
        String destinationHostId,
        String reason,
        String libvirtError,
        Integer libvirtErrorCode,
        boolean cancelled) implements Event {

    @Override
    public String subject() {
        return migrationId;
    }
}
