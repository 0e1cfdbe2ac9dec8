package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.migration.ProxyRoute;

import java.util.List;
import java.util.Map;

/**
 * The outcome of negotiation: either a mode with URI, flags and parameters, or a refusal. The
 * reasons explain the choice in words an operator understands, in both cases.
 *
 * @param proxyRoute only for {@link MigrationMode#TLS_AGENT_PROXY}: the destination agent's migration proxy,
 *                   to which the source agent carries the memory stream inside TLS; null for every other mode
 */
public record MigrationPlan(
        boolean allowed,
        MigrationMode mode,
        String destinationUri,
        List<String> flags,
        Map<String, String> parameters,
        List<String> reasons,
        boolean warning,
        ProxyRoute proxyRoute) {

    /** A plan whose memory stream QEMU or libvirt carries itself (every mode but TLS_AGENT_PROXY). */
    public MigrationPlan(boolean allowed, MigrationMode mode, String destinationUri, List<String> flags,
            Map<String, String> parameters, List<String> reasons, boolean warning) {
        this(allowed, mode, destinationUri, flags, parameters, reasons, warning, null);
    }

    public static MigrationPlan refused(List<String> reasons) {
        return new MigrationPlan(false, null, null, List.of(), Map.of(), List.copyOf(reasons), false);
    }

    /**
     * True when the guest's memory would cross the network unencrypted: neither QEMU (TLS), libvirt's
     * connection (TUNNELLED) nor the agents' proxy (a route) encrypts it.
     */
    public boolean memoryInClear() {
        return allowed && proxyRoute == null && !flags.contains("TLS") && !flags.contains("TUNNELLED");
    }
}
