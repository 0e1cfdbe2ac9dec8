package dev.virtgate.agent.policy;

import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.PolicyMode;
import org.jboss.logging.Logger;

import java.time.Instant;

/**
 * The cluster policy this agent applies (kept in {@link AgentState#policy}): the highest revision
 * migration-service published for this agent's cluster. Without any: REQUIRE_TLS with SASL on TLS,
 * so libvirtd's TCP port stays closed until the cluster explicitly allows it.
 */
public final class ClusterPolicy {
    private static final Logger LOG = Logger.getLogger(ClusterPolicy.class);
    public static final ClusterPolicyChanged DEFAULT = new ClusterPolicyChanged(null, PolicyMode.REQUIRE_TLS, null,
            true, 0, Instant.EPOCH);

    /** The policy in force: the kept one, else {@link #DEFAULT}. */
    public static ClusterPolicyChanged of(AgentState state) {
        return state.policy != null ? state.policy : DEFAULT;
    }

    /**
     * Keeps {@code event} when it is for {@code clusterId} and newer (higher revision) than the kept
     * policy; returns whether it did (the caller saves and re-applies). Other clusters' policies and
     * replays of older or equal revisions change nothing.
     */
    public static boolean accept(AgentState state, String clusterId, ClusterPolicyChanged event) {
        if (!clusterId.equals(event.clusterId()) || event.mode() == null) {
            return false;
        }
        ClusterPolicyChanged kept = of(state);
        if (event.revision() <= kept.revision()) {
            if (event.revision() < kept.revision()) {
                LOG.infof("cluster policy revision %d ignored: revision %d is in force", event.revision(),
                        kept.revision());
            }
            return false;
        }
        state.policy = event;
        LOG.infof("cluster policy revision %d: %s%s, SASL on TLS %s, agents' TLS proxy %s", event.revision(),
                event.mode(), event.windowExpiresAt() == null ? "" : " until " + event.windowExpiresAt(),
                event.saslOnTls() ? "on" : "off", event.agentTlsProxyOn() ? "on" : "off");
        return true;
    }

    private ClusterPolicy() {
    }
}
