package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.migration.ProxyRoute;

import java.util.ArrayList;
import java.util.List;

import static dev.virtgate.migration.negotiation.Negotiator.flags;
import static dev.virtgate.migration.negotiation.Negotiator.params;
import static dev.virtgate.migration.negotiation.Negotiator.uri;

/**
 * The plan between two TLS-ready hosts of one cluster:
 *
 * <pre>
 * policy agentTlsProxy, both agents offer their proxy -> TLS_AGENT_PROXY qemu+tls, no memory flag, a ProxyRoute
 * native TLS on both                                  -> TLS_NATIVE      qemu+tls, TLS (+ PARALLEL when both run multifd)
 * one lacks native TLS                                -> TLS_TUNNELLED   qemu+tls, TUNNELLED
 * </pre>
 */
final class TlsPlans {

    static MigrationPlan plan(HostState source, HostState destination, ClusterPolicy policy, Integer bandwidthMiBps) {
        List<String> reasons = new ArrayList<>();
        reasons.add("both hosts are TLS-ready");
        if (policy.agentTlsProxy()) {
            String lacking = proxyLacking(source, destination);
            if (lacking == null) {
                return agentProxy(destination, bandwidthMiBps, reasons);
            }
            reasons.add("cluster policy sets agentTlsProxy, but " + lacking
                    + " (no migrationProxyPort reported): QEMU native TLS or libvirt's tunnel instead");
        }
        if (source.nativeTlsMigration() && destination.nativeTlsMigration()) {
            reasons.add("QEMU native migration TLS on both hosts: the memory stream is encrypted by QEMU");
            String address = destination.migrationAddress();
            if (address != null) {
                reasons.add("memory goes over the migration network to " + address + ", TLS verified against "
                        + destination.fqdn());
            }
            Integer connections = parallelConnections(source, destination, policy, reasons);
            return new MigrationPlan(true, MigrationMode.TLS_NATIVE, uri("tls", destination),
                    connections == null ? flags("TLS") : flags("TLS", "PARALLEL"),
                    params(address, address == null ? null : destination.fqdn(), bandwidthMiBps, connections), reasons,
                    false);
        }
        String lacking = !source.nativeTlsMigration() && !destination.nativeTlsMigration() ? "neither host has"
                : (!source.nativeTlsMigration() ? "source" : "destination") + " lacks";
        reasons.add(lacking + " QEMU native migration TLS: memory is tunnelled through the libvirtd TLS connection");
        reasons.add(Negotiator.NOT_IN_TUNNEL);
        return new MigrationPlan(true, MigrationMode.TLS_TUNNELLED, uri("tls", destination), flags("TUNNELLED"),
                params(null, null, bandwidthMiBps, null), reasons, false);
    }

    /**
     * The agents encrypt: libvirt's control connection stays TLS (qemu+tls), QEMU gets no TLS flag and no
     * migrate_uri (the source agent adds the URI of its loopback relay when it runs the command), and one
     * stream, since QEMU 7.2 cannot send multifd channels through a per-connection proxy.
     */
    private static MigrationPlan agentProxy(HostState destination, Integer bandwidthMiBps, List<String> reasons) {
        ProxyRoute route = new ProxyRoute(destination.migrationAddress() != null ? destination.migrationAddress()
                : destination.fqdn(), destination.migrationProxyPort(), destination.fqdn());
        reasons.add("cluster policy sets agentTlsProxy and both agents offer their migration proxy");
        reasons.add("the agents carry the memory stream inside TLS they terminate, both host certificates verified;"
                + " QEMU's stream is in clear only on each host's loopback");
        reasons.add("memory goes " + (destination.migrationAddress() != null ? "over the migration network " : "")
                + "to the destination agent's proxy at " + hostPort(route) + ", its certificate verified against "
                + route.serverName());
        reasons.add("one connection: QEMU cannot send parallel (multifd) connections through the agents' proxy");
        return new MigrationPlan(true, MigrationMode.TLS_AGENT_PROXY, uri("tls", destination), flags(),
                params(null, null, bandwidthMiBps, null), reasons, false, route);
    }

    /** Null when both agents offer their migration proxy, else which side does not. */
    private static String proxyLacking(HostState source, HostState destination) {
        boolean sourceOffers = source.migrationProxyPort() != null;
        boolean destinationOffers = destination.migrationProxyPort() != null;
        if (sourceOffers && destinationOffers) {
            return null;
        }
        return !sourceOffers && !destinationOffers ? "neither agent offers a migration proxy"
                : (sourceOffers ? "the destination" : "the source") + " agent offers no migration proxy";
    }

    /**
     * The number of TLS connections of a parallel (multifd) TLS_NATIVE migration, or null for a single
     * stream; says why in {@code reasons}.
     */
    private static Integer parallelConnections(HostState source, HostState destination, ClusterPolicy policy,
            List<String> reasons) {
        if (!source.multifdTls() || !destination.multifdTls()) {
            String lacking = !source.multifdTls() && !destination.multifdTls() ? "neither host runs"
                    : (!source.multifdTls() ? "source" : "destination") + " does not run";
            reasons.add("one TLS connection: " + lacking
                    + " parallel (multifd) migration with TLS (libvirt and QEMU 5.2 or later)");
            return null;
        }
        Integer fromPolicy = policy.parallelConnections();
        if (fromPolicy != null && fromPolicy == 1) {
            reasons.add("one TLS connection: cluster policy sets parallelConnections to 1");
            return null;
        }
        int connections = fromPolicy != null ? fromPolicy : Negotiator.DEFAULT_PARALLEL_CONNECTIONS;
        reasons.add(connections + " parallel TLS connections carry the memory (multifd), both hosts run it; "
                + (fromPolicy != null ? "cluster policy sets parallelConnections" : "default, no parallelConnections"
                        + " in the cluster policy"));
        return connections;
    }

    private static String hostPort(ProxyRoute route) {
        return (route.address().contains(":") ? "[" + route.address() + "]" : route.address()) + ":" + route.port();
    }

    private TlsPlans() {
    }
}
