package dev.virtgate.agent.nova;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;

import java.util.regex.Pattern;

/**
 * What nova-compute must set so that its live migrations take the path virtgate secured:
 * libvirt's TLS port for the control connection, and for the memory QEMU's native TLS once every
 * active host of the cluster can do it; until then libvirt's tunnel over that TLS connection (slower,
 * still encrypted). Nova refuses both switches at once, and a direct migration without TLS is
 * refused by a destination with {@code migrate_tls_force}, so the two are always each other's opposite.
 */
public final class NovaDropIn {
    /** First line of every file the agent writes; a file without it is not the agent's to replace. */
    public static final String MARKER = "# Managed by virtgate-agent (virtgate.agent.integration=nova): do not edit.";

    private static final Pattern CLUSTER_ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");

    private NovaDropIn() {
    }

    /**
     * @param readiness     the cluster's latest answer; null when none arrived yet (treated as "not everywhere")
     * @param inboundAddress the address other hosts send migration data to (an IP literal)
     */
    public static String render(String clusterId, ClusterTlsReadinessChanged readiness, String inboundAddress) {
        ConfigValues.address("migration-address", inboundAddress);
        if (clusterId == null || !CLUSTER_ID.matcher(clusterId).matches()) {
            throw new ConfigRejectedException("cluster-id", "must be lower-case letters, digits and '-', at most 63");
        }
        boolean nativeTls = readiness != null && readiness.nativeTlsEverywhere();
        String counts = readiness == null ? "no answer from virtgate yet"
                : readiness.nativeTlsHosts() + " of " + readiness.hosts() + " active hosts can, revision "
                        + readiness.revision();
        return MARKER + "\n"
                + "# Native TLS for the memory stream only while every active host of cluster " + clusterId
                + "\n# can take it (" + counts + "); until then libvirt's tunnel over TLS.\n"
                + "[libvirt]\n"
                + "live_migration_scheme = tls\n"
                + "live_migration_with_native_tls = " + nativeTls + "\n"
                + "live_migration_tunnelled = " + !nativeTls + "\n"
                + "live_migration_inbound_addr = " + inboundAddress + "\n";
    }

    public static boolean isOurs(String existing) {
        return existing.startsWith(MARKER + "\n");
    }
}
