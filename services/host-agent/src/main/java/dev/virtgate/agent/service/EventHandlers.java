package dev.virtgate.agent.service;

import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.nova.NovaIntegration;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.reconcile.ConfigReconciler;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.InboundVerifier;
import dev.virtgate.agent.trust.TrustChange;
import dev.virtgate.agent.trust.TrustState;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.trust.EventRefusedException;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * What the agent does with each verified event that changes its state, topic by topic: certificates,
 * CRLs and peers ({@link TrustState}), credential rotations, the cluster policy, the cluster's TLS
 * readiness, renewal requests and the state part of a granted access; and with the bus refusing this
 * host. The caller (AgentService) holds its monitor, which guards the state; the migration commands
 * and the OpenBao side of a granted access run without it and stay in AgentService. The handlers of
 * events return what the agent published in answer, if anything.
 */
final class EventHandlers {
    // logged under AgentService's category, as before this class was split out of it
    private static final Logger LOG = Logger.getLogger(AgentService.class);

    private final AgentConfig config;
    private final AgentState state;
    private final HostIdentity identity;
    private final TrustState trust;
    private final ConfigReconciler reconciler;
    private final NovaIntegration nova;
    private final EventSink sink;

    EventHandlers(AgentConfig config, AgentState state, HostIdentity identity, TrustState trust,
            ConfigReconciler reconciler, NovaIntegration nova, EventSink sink) {
        this.config = config;
        this.state = state;
        this.identity = identity;
        this.trust = trust;
        this.reconciler = reconciler;
        this.nova = nova;
        this.sink = sink;
    }

    Optional<Event> handle(InboundVerifier.Verified verified) {
        Event event = verified.event();
        if (event instanceof CertIssued e) {
            return answer(trust.onCertIssued(e));
        } else if (event instanceof CertRevoked e) {
            return answer(trust.onCertRevoked(e));
        } else if (event instanceof CrlPublished e) {
            return answer(trust.onCrlPublished(e));
        } else if (event instanceof CredentialRotated e) {
            return onCredentialRotated(verified, e);
        } else if (event instanceof ClusterPolicyChanged e) {
            return onPolicyChanged(e);
        } else if (event instanceof ClusterTlsReadinessChanged e) {
            nova.follow(state, e);
        } else if (event instanceof CertRenewalRequested e) {
            return onRenewalRequested(e).map(Event.class::cast);
        }
        return Optional.empty();
    }

    private Optional<Event> answer(TrustChange c) {
        if (c.refusal() != null) {
            return Optional.of(reconciler.report(List.of(c.refusal())));
        }
        return c.changed() && state.certPem != null ? Optional.of(reconciler.applyAndReport()) : Optional.empty();
    }

    private Optional<Event> onCredentialRotated(InboundVerifier.Verified verified, CredentialRotated e) {
        if (!config.clusterId().equals(e.clusterId())) {
            return Optional.empty();
        }
        e.acceptedUsernames().forEach(u -> ConfigValues.username("acceptedUsernames", u));
        ConfigValues.username("username", e.username());
        AgentState.Credential applied = state.credential;
        if (applied != null && applied.isNewerThan(e.version(), e.phase())) {
            EventRefusedException refused = verified.refused("credential version " + e.version() + " " + e.phase()
                    + " is older than the applied " + applied.version() + " " + applied.phase());
            LOG.warn(refused.getMessage());
            throw refused;
        }
        state.credential = new AgentState.Credential(e.rotationId(), e.username(), e.version(), e.kvPath(),
                e.kvVersion(), e.phase().name(), e.previousUsername(), e.previousKvVersion(), e.acceptedUsernames());
        state.save();
        return state.certPem == null ? Optional.empty() : Optional.of(reconciler.applyAndReport());
    }

    /** A newer policy for this cluster is kept and applied (a restart waits for running migrations). */
    private Optional<Event> onPolicyChanged(ClusterPolicyChanged e) {
        if (!ClusterPolicy.accept(state, config.clusterId(), e)) {
            return Optional.empty();
        }
        state.save();
        return state.certPem == null ? Optional.empty() : Optional.of(reconciler.applyAndReport());
    }

    private Optional<CsrSubmitted> onRenewalRequested(CertRenewalRequested e) {
        if (!config.hostId().equals(e.hostId()) || !identity.hasKey() || state.certSerial == null) {
            return Optional.empty();
        }
        CsrSubmitted out = identity.renewalCsr(state.certSerial);
        sink.publish(out);
        return Optional.of(out);
    }

    /** The broker refused (or again accepts) this host's certificate: see {@link AgentService#busAccess}. */
    void onBusAccess(boolean lost) {
        if (state.busAccessLost == lost || state.certPem == null) {
            return;
        }
        state.busAccessLost = lost;
        state.save();
        LOG.warnf(lost ? "the bus refuses this host: libvirtd's TCP port stays closed until it accepts it again"
                : "the bus accepts this host again: libvirtd's TCP port follows the cluster policy");
        reconciler.applyAndReport();
    }

    /** Keeps the role and KV path of a granted access (taken by {@link AccessGrants} first) and applies. */
    HostConfigured onAccessGranted(HostAccessGranted e) {
        state.roleId = e.roleId();
        state.credentialKvPath = e.credentialKvPath();
        state.save();
        return reconciler.applyAndReport();
    }
}
