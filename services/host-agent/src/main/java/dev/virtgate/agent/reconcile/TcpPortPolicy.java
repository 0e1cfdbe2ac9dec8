package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.PostureCheck;

import java.time.Clock;
import java.util.List;

/**
 * libvirtd's plain-TCP port against the cluster's policy: the posture check that it is closed
 * whenever the policy does not allow TCP (REQUIRE_TLS, an expired upgrade window), and the
 * periodic backstop that re-applies when the agent's own configuration still opens it (a window
 * expired while the agent was down or its timer did not run).
 */
public final class TcpPortPolicy {
    public static final String CHECK = "tcp-closed-by-policy";

    private final AgentConfig config;
    private final AgentPaths paths;
    private final Clock clock;

    public TcpPortPolicy(AgentConfig config, AgentPaths paths, Clock clock) {
        this.config = config;
        this.paths = paths;
        this.clock = clock;
    }

    /** FAIL when a TCP connection to libvirtd's TCP port succeeds although the policy closes it. */
    public PostureCheck check(AgentState state) {
        ClusterPolicyChanged policy = ClusterPolicy.of(state);
        if (policy.tcpAllowed(clock.instant())) {
            return SelfProbe.skipped(CHECK, "cluster policy " + policy.mode() + " allows TCP");
        }
        int port = config.tcpPort();
        if (LibvirtdControl.portOpen(LibvirtdControl.probeAddress(config.managementAddress()), port)) {
            return SelfProbe.fail(CHECK, "TCP port " + port + " accepts connections although the cluster policy is "
                    + policy.mode());
        }
        return SelfProbe.pass(CHECK, "TCP port " + port + " closed (" + policy.mode() + ")");
    }

    /**
     * Whether the agent must re-apply to close TCP: the policy no longer allows it, yet libvirtd
     * listens on TCP with the libvirtd.conf the agent wrote (a hand edit is drift, handled as such).
     */
    public boolean mustClose(AgentState state, List<String> listeners, List<String> drifted) {
        return !ConfigRenderer.tcpEnabled(state, clock.instant())
                && listeners.stream().anyMatch(l -> l.startsWith("tcp://"))
                && !drifted.contains(paths.libvirtdConf());
    }
}
