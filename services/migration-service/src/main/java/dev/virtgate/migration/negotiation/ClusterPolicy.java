package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.PolicyMode;
import java.time.Instant;

/**
 * A cluster's migration policy; {@code windowExpiresAt} is set only for {@link PolicyMode#UPGRADE_WINDOW}.
 *
 * @param parallelConnections memory connections of a TLS_NATIVE migration between hosts that both run
 *                            multifd with TLS (1 to 16; 1 = a single stream); null: the negotiator's default
 * @param agentTlsProxy       TLS_AGENT_PROXY between TLS-ready hosts whose agents both offer their migration
 *                            proxy; opt-in (default false), since it puts the agents in the memory path
 */
public record ClusterPolicy(PolicyMode mode, Instant windowExpiresAt, Integer parallelConnections,
        boolean agentTlsProxy) {

    public static final ClusterPolicy DEFAULT = new ClusterPolicy(PolicyMode.REQUIRE_TLS, null);

    public ClusterPolicy(PolicyMode mode, Instant windowExpiresAt) {
        this(mode, windowExpiresAt, null);
    }

    public ClusterPolicy(PolicyMode mode, Instant windowExpiresAt, Integer parallelConnections) {
        this(mode, windowExpiresAt, parallelConnections, false);
    }

    public boolean windowOpen(Instant now) {
        return mode.windowOpen(windowExpiresAt, now);
    }

    public boolean allowsSasl(Instant now) {
        return mode.allowsSasl(windowExpiresAt, now);
    }
}
