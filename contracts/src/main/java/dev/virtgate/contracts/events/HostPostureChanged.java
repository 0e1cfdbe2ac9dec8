package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * Public stream: what a host's agent last proved about its libvirt setup changed (listeners, native
 * TLS migration, the names of failing posture checks). Sent when the answer changes, not for every
 * report.
 */
public record HostPostureChanged(
        String hostId,
        String clusterId,
        boolean tlsListening,
        boolean saslListening,
        boolean nativeTlsMigration,
        boolean allChecksPass,
        List<String> failedChecks,
        Instant probedAt) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
