package dev.virtgate.agent.proxy;

import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;
import org.libvirt.Domain;

import java.util.Map;

/**
 * What a TLS_AGENT_PROXY command may ask of libvirt: QEMU's stream goes to the local relay in clear,
 * so libvirt's own TLS, its tunnel and multifd (more connections than the one relay) are refused,
 * and the agent alone sets where QEMU connects and listens.
 */
public final class ProxyCommand {

    /** Refuses (IllegalArgumentException, the MigrationFailed reason) before libvirt is called. */
    public static void check(MigrationRequested r, int flags) {
        if (r.proxyRoute() == null) {
            throw new IllegalArgumentException("TLS_AGENT_PROXY command without a proxy route");
        }
        if ((flags & Domain.MigrateFlags.TLS) != 0 || (flags & Domain.MigrateFlags.TUNNELED) != 0
                || (flags & Domain.MigrateFlags.PARALLEL) != 0) {
            throw new IllegalArgumentException("TLS_AGENT_PROXY cannot be combined with the TLS, TUNNELLED or "
                    + "PARALLEL flags");
        }
        Map<String, String> p = r.parameters() == null ? Map.of() : r.parameters();
        for (MigrationParameter own : new MigrationParameter[] {MigrationParameter.MIGRATE_URI,
                MigrationParameter.LISTEN_ADDRESS}) {
            if (p.containsKey(own.libvirtName())) {
                throw new IllegalArgumentException("TLS_AGENT_PROXY sets migration parameter " + own.libvirtName()
                        + " itself: the command may not");
            }
        }
    }

    /** The command's parameters with QEMU's stream on loopback: the source connects to, the destination listens at. */
    public static MigrationParameters parameters(Map<String, String> command, String loopbackAddress, int port) {
        String host = loopbackAddress.contains(":") ? "[" + loopbackAddress + "]" : loopbackAddress;
        return MigrationParameters.fromWire(command)
                .with(MigrationParameter.MIGRATE_URI, "tcp://" + host + ":" + port)
                .with(MigrationParameter.LISTEN_ADDRESS, loopbackAddress);
    }

    private ProxyCommand() {
    }
}
