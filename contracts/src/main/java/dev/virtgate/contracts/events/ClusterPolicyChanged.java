package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * A cluster's policy as the agents must apply it: whether libvirtd's TCP port may be open (SASL
 * fallback allowed, or an upgrade window until {@code windowExpiresAt}), and whether SASL is
 * layered on TLS ({@code saslOnTls}). Agents keep the highest {@code revision} per cluster and
 * close the TCP port themselves when the window expires.
 *
 * @param agentTlsProxy the cluster opted in to TLS_AGENT_PROXY: agents that offer their migration proxy
 *                      then let libvirt accept a migration without QEMU's own TLS flag (qemu.conf
 *                      migrate_tls_force = 0), which the proxied stream needs; null (older
 *                      migration-service) reads as false
 */
public record ClusterPolicyChanged(
        String clusterId,
        PolicyMode mode,
        Instant windowExpiresAt,
        boolean saslOnTls,
        long revision,
        Instant changedAt,
        Boolean agentTlsProxy) implements Event {

    /** A policy that says nothing of the agents' migration proxy (off). */
    public ClusterPolicyChanged(String clusterId, PolicyMode mode, Instant windowExpiresAt, boolean saslOnTls,
            long revision, Instant changedAt) {
        this(clusterId, mode, windowExpiresAt, saslOnTls, revision, changedAt, null);
    }

    /** Whether the cluster opted in to TLS_AGENT_PROXY. */
    public boolean agentTlsProxyOn() {
        return Boolean.TRUE.equals(agentTlsProxy);
    }

    /** Whether this policy lets libvirtd listen on plain TCP (SASL DIGEST-MD5) at {@code now}. */
    public boolean tcpAllowed(Instant now) {
        return mode.allowsSasl(windowExpiresAt, now);
    }

    @Override
    public String subject() {
        return clusterId;
    }
}
