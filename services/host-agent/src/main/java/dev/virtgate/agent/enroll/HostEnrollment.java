package dev.virtgate.agent.enroll;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.reconcile.ConfigReconciler;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.PinnedAnchors;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import org.libvirt.LibvirtException;

/**
 * The running agent's enrollment (the {@code enroll} command only writes its environment file): what
 * the host can do, its stable host_uuid and its enrollment request, then the pinned CA kept in the
 * state. The caller (AgentService) holds the agent's monitor.
 */
public final class HostEnrollment {
    private final String agentVersion;
    private final AgentState state;
    private final HostIdentity identity;
    private final PinnedAnchors anchors;
    private final ConfigReconciler reconciler;
    private final MigrationProxy proxy;
    private final EventSink sink;

    public HostEnrollment(String agentVersion, AgentState state, HostIdentity identity, PinnedAnchors anchors,
            ConfigReconciler reconciler, MigrationProxy proxy, EventSink sink) {
        this.agentVersion = agentVersion;
        this.state = state;
        this.identity = identity;
        this.anchors = anchors;
        this.reconciler = reconciler;
        this.proxy = proxy;
        this.sink = sink;
    }

    /**
     * Enrolls with the CSR of the host key and a proof of the one-time token bound to it; the
     * token itself never leaves the host. The CA fingerprint of the same enrollment bundle is pinned.
     */
    public HostEnrolled enroll(String token) throws LibvirtException {
        String pin = anchors.pin().orElseThrow(() -> new ConfigRejectedException("ca-fingerprint",
                "required to enroll: the CA fingerprint (sha256:<64 hex>) from the enrollment bundle"));
        HostCapabilities found = reconciler.discovery().discover(agentVersion);
        reconciler.ensureHostUuid(found.hostUuid()); // the stable host_uuid the agent will keep writing
        HostEnrolled e = identity.enrollment(token, new HostCapabilities(found.libvirtVersion(), found.qemuVersion(),
                found.nativeTlsMigration(), found.tlsReloadSupported(), found.saslMechanisms(), found.listeners(),
                state.hostUuid, found.agentVersion(), found.multifdTls(), proxy.advertisedPort(ClusterPolicy.of(state))));
        sink.publish(e);
        state.enrolled = true;
        state.caFingerprint = pin;
        state.save();
        return e;
    }
}
