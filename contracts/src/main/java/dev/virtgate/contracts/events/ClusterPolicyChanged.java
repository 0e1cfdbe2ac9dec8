package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * A cluster's policy as the agents must apply it: whether libvirtd's TCP port may be open (SASL
 * fallback allowed, or an upgrade window until {@code windowExpiresAt}), and whether SASL is
 * layered on TLS ({@code saslOnTls}). Agents keep the highest {@code revision} per cluster and
 * close the TCP port themselves when the window expires.
 */
public record ClusterPolicyChanged(
        String clusterId,
        PolicyMode mode,
        Instant windowExpiresAt,
        boolean saslOnTls,
        long revision,
        Instant changedAt) implements Event {

    /** Whether this policy lets libvirtd listen on plain TCP (SASL DIGEST-MD5) at {@code now}. */
    public boolean tcpAllowed(Instant now) {
        return mode.allowsSasl(windowExpiresAt, now);
    }

    @Override
    public String subject() {
        return clusterId;
    }
}
