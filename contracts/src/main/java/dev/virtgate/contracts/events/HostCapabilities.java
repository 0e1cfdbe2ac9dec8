package dev.virtgate.contracts.events;

import java.util.List;

/**
 * What the agent discovered from its running libvirtd.
 *
 * @param multifdTls libvirt and QEMU can run a parallel (multifd) migration with QEMU native TLS on
 *                   every connection; absent (agents older than the field) reads as false
 * @param migrationProxyPort the port on which the agent terminates TLS_AGENT_PROXY memory streams
 *                   (TLS, host certificates both ways); null: the agent does not offer that mode
 */
public record HostCapabilities(
        String libvirtVersion,
        String qemuVersion,
        boolean nativeTlsMigration,
        boolean tlsReloadSupported,
        List<String> saslMechanisms,
        List<String> listeners,
        String hostUuid,
        String agentVersion,
        boolean multifdTls,
        Integer migrationProxyPort) {

    /** As an agent that offers no migration proxy describes its host. */
    public HostCapabilities(String libvirtVersion, String qemuVersion, boolean nativeTlsMigration,
            boolean tlsReloadSupported, List<String> saslMechanisms, List<String> listeners, String hostUuid,
            String agentVersion, boolean multifdTls) {
        this(libvirtVersion, qemuVersion, nativeTlsMigration, tlsReloadSupported, saslMechanisms, listeners, hostUuid,
                agentVersion, multifdTls, null);
    }

    /** As an agent that does not report {@code multifdTls} (older agents) describes its host. */
    public HostCapabilities(String libvirtVersion, String qemuVersion, boolean nativeTlsMigration,
            boolean tlsReloadSupported, List<String> saslMechanisms, List<String> listeners, String hostUuid,
            String agentVersion) {
        this(libvirtVersion, qemuVersion, nativeTlsMigration, tlsReloadSupported, saslMechanisms, listeners, hostUuid,
                agentVersion, false);
    }
}
