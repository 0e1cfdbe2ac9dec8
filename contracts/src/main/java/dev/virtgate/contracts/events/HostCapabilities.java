package dev.virtgate.contracts.events;

import java.util.List;

/** What the agent discovered from its running libvirtd. */
public record HostCapabilities(
        String libvirtVersion,
        String qemuVersion,
        boolean nativeTlsMigration,
        boolean tlsReloadSupported,
        List<String> saslMechanisms,
        List<String> listeners,
        String hostUuid,
        String agentVersion) {
}
