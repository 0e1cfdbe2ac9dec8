package dev.virtgate.agent.service;

import dev.virtgate.agent.command.CommandGate;
import dev.virtgate.agent.command.CommandVerifier;
import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.MigrationRunner;
import dev.virtgate.agent.nova.NovaIntegration;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.proxy.ProxyCredentials;
import dev.virtgate.agent.reconcile.ConfigReconciler;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.EventSigner;
import dev.virtgate.agent.trust.InboundVerifier;
import dev.virtgate.agent.trust.PinnedAnchors;
import dev.virtgate.agent.trust.Revocations;
import dev.virtgate.agent.trust.SignedEvent;
import dev.virtgate.agent.trust.TrustChange;
import dev.virtgate.agent.trust.TrustState;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import org.jboss.logging.Logger;
import org.libvirt.LibvirtException;

import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;

/**
 * The agent, independent of Kafka and CDI: the consumer and the tests hand every incoming event to
 * {@link #receive}, which verifies it before anything else looks at it and then dispatches to the
 * part that owns it: {@link TrustState} (certificates, CRLs, peers), {@link ConfigReconciler}
 * (files, libvirtd, posture), {@link CommandGate} (migrations), {@link HostIdentity} (keys, CSRs).
 * State changes are serialised by this object's monitor.
 */
public class AgentService {
    private static final Logger LOG = Logger.getLogger(AgentService.class);
    public static final String AGENT_VERSION = "0.1.0";
    private static final Set<EventType> HANDLED = Set.of(EventType.CLUSTER_POLICY_CHANGED,
            EventType.CLUSTER_TLS_READINESS_CHANGED,
            EventType.HOST_ACCESS_GRANTED, EventType.CERT_ISSUED,
            EventType.CERT_REVOKED, EventType.CRL_PUBLISHED, EventType.CERT_RENEWAL_REQUESTED,
            EventType.CREDENTIAL_ROTATED, EventType.MIGRATION_REQUESTED, EventType.MIGRATION_CANCEL_REQUESTED);

    private final AgentConfig config;
    private final AgentPaths paths;
    private final AgentState state;
    private final AccessGrants accessGrants;
    private final EventCodec codec = new EventCodec();
    private final HostIdentity identity;
    private final PinnedAnchors anchors;
    private final InboundVerifier verifier;
    private final TrustState trust;
    private final EventSigner signer;
    private final EventSink sink;
    private final ConfigReconciler reconciler;
    private final MigrationRunner migrations;
    private final CommandGate commands;
    private final UntilPinned untilPinned;
    private final NovaIntegration nova;
    private final MigrationProxy proxy;

    public AgentService(AgentConfig config, SignedEventSink out, CredentialSource credentials,
            CommandVerifier commandVerifier, AccessGrants accessGrants, LibvirtdControl libvirtd) {
        this.config = config;
        this.paths = new AgentPaths(config.paths());
        ConfigValues.hostName("fqdn", config.fqdn());
        ConfigValues.listenAddress("management-address", config.managementAddress());
        this.accessGrants = accessGrants;
        Clock clock = Clock.systemUTC();
        SecureFiles.createPrivateDirectory(paths.stateDir);
        this.state = AgentState.load(paths.stateFile());
        this.identity = new HostIdentity(config, paths);
        identity.resume(state.certPem, state.chainPem);
        this.anchors = new PinnedAnchors(state, config.caFingerprint());
        Revocations revocations = new Revocations(state);
        this.verifier = new InboundVerifier(anchors, revocations, config.clockSkew(), clock, HANDLED, codec);
        this.trust = new TrustState(config, state, identity, anchors, revocations, clock);
        this.untilPinned = new UntilPinned(paths.stateDir.resolve("until-pinned"), anchors);
        this.signer = new EventSigner(config.hostId(), identity, codec);
        this.sink = event -> signer.sign(event).ifPresentOrElse(out::send, () -> LOG.warnf(
                "%s not published: this host has no certificate yet to sign it with", event.getClass().getSimpleName()));
        ReentrantReadWriteLock migrationLock = new ReentrantReadWriteLock(true);
        this.proxy = new MigrationProxy(config.migrationProxy(), () -> proxyCredentials(revocations));
        proxy.follow();
        this.reconciler = new ConfigReconciler(config, paths, new ConfigReconciler.Parts(state, identity, credentials,
                sink, libvirtd, migrationLock, proxy), this::applyAndReport);
        this.migrations = new MigrationRunner(config.libvirtUri(), config.hostId(), sink, migrationLock, proxy);
        this.commands = new CommandGate(config, commandVerifier, migrations, sink, clock, this::firstDelivery);
        this.nova = new NovaIntegration(config, paths);
    }

    public AgentConfig config() {
        return config;
    }

    public AgentPaths paths() {
        return paths;
    }

    public synchronized AgentState state() {
        return state;
    }

    public HostConfigured lastReport() {
        return reconciler.lastReport();
    }

    public HostKey hostKey() {
        return identity.key();
    }

    public synchronized List<String> trustAnchorFingerprints() {
        return anchors.anchors().stream().map(EventSignatures::fingerprint).toList();
    }

    /** The key and certificate chain the host signs with, and logs in to the bus with; empty before its first certificate. */
    public Optional<HostIdentity.Signing> signing() {
        return identity.signing();
    }

    /** What the agent would put on the bus for {@code event}: signed by this host (empty without a certificate). */
    public Optional<SignedEvent> sign(Event event) {
        return signer.sign(event);
    }

    /**
     * Enrolls with the CSR of the host key and a proof of the one-time token bound to it; the
     * token itself never leaves the host. The CA fingerprint of the same enrollment bundle is pinned.
     */
    public synchronized HostEnrolled enroll(String token) throws LibvirtException {
        String pin = anchors.pin().orElseThrow(() -> new ConfigRejectedException("ca-fingerprint",
                "required to enroll: the CA fingerprint (sha256:<64 hex>) from the enrollment bundle"));
        HostCapabilities found = reconciler.discovery().discover(AGENT_VERSION);
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

    /**
     * The one way in for events from the bus: {@link InboundVerifier#admit} decodes and verifies,
     * and only a verified event is handled. An invalid or refused event throws (to the dead-letter
     * topic), unless it is signed and only waits for the first pinned anchor ({@link UntilPinned}).
     * Returns what the agent published in answer, if anything.
     */
    public Optional<Event> receive(Map<String, String> headers, byte[] payload) {
        Optional<InboundVerifier.Verified> verified;
        synchronized (this) {
            try {
                verified = verifier.admit(headers, payload);
            } catch (EventRefusedException e) {
                if (!untilPinned.park(headers, payload)) {
                    LOG.warn(e.getMessage()); // once: the dead-letter topic keeps the event with this reason
                    throw e;
                }
                return Optional.empty();
            }
        }
        Optional<Event> answer = verified.flatMap(this::dispatch);
        untilPinned.release(this::receive);
        return answer;
    }

    private Optional<Event> dispatch(InboundVerifier.Verified verified) {
        Event event = verified.event();
        if (event instanceof CertIssued e) {
            return answer(() -> trust.onCertIssued(e));
        } else if (event instanceof CertRevoked e) {
            return answer(() -> trust.onCertRevoked(e));
        } else if (event instanceof CrlPublished e) {
            return answer(() -> trust.onCrlPublished(e));
        } else if (event instanceof CredentialRotated e) {
            return onCredentialRotated(verified, e);
        } else if (event instanceof HostAccessGranted e) {
            return onAccessGranted(e);
        } else if (event instanceof ClusterPolicyChanged e) {
            return onPolicyChanged(e);
        } else if (event instanceof ClusterTlsReadinessChanged e) {
            onTlsReadinessChanged(e);
        } else if (event instanceof CertRenewalRequested e) {
            return onRenewalRequested(e).map(Event.class::cast);
        } else if (event instanceof MigrationRequested e) {
            commands.onRequested(e);
        } else if (event instanceof MigrationCancelRequested e) {
            commands.onCancelRequested(e);
        }
        return Optional.empty();
    }

    private synchronized Optional<Event> answer(Supplier<TrustChange> change) {
        TrustChange c = change.get();
        if (c.refusal() != null) {
            return Optional.of(reconciler.report(List.of(c.refusal())));
        }
        return c.changed() && state.certPem != null ? Optional.of(reconciler.applyAndReport()) : Optional.empty();
    }

    private synchronized Optional<Event> onCredentialRotated(InboundVerifier.Verified verified, CredentialRotated e) {
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
    private synchronized Optional<Event> onPolicyChanged(ClusterPolicyChanged e) {
        if (!ClusterPolicy.accept(state, config.clusterId(), e)) {
            return Optional.empty();
        }
        state.save();
        return state.certPem == null ? Optional.empty() : Optional.of(reconciler.applyAndReport());
    }

    private synchronized void onTlsReadinessChanged(ClusterTlsReadinessChanged e) {
        nova.follow(state, e);
    }

    /** Brings the cloud integration's files in line with what the agent last learnt (at start). */
    public synchronized NovaIntegration.Outcome applyIntegration() {
        return nova.apply(state.tlsReadiness);
    }

    private Optional<Event> onAccessGranted(HostAccessGranted e) {
        if (!config.hostId().equals(e.hostId())) {
            return Optional.empty();
        }
        accessGrants.onAccessGranted(e, identity.key().privateKey());
        synchronized (this) {
            state.roleId = e.roleId();
            state.credentialKvPath = e.credentialKvPath();
            state.save();
            return Optional.of(reconciler.applyAndReport());
        }
    }

    private synchronized Optional<CsrSubmitted> onRenewalRequested(CertRenewalRequested e) {
        if (!config.hostId().equals(e.hostId()) || !identity.hasKey() || state.certSerial == null) {
            return Optional.empty();
        }
        CsrSubmitted out = identity.renewalCsr(state.certSerial);
        sink.publish(out);
        return Optional.of(out);
    }

    private synchronized boolean firstDelivery(String migrationId) {
        boolean first = state.seenMigrations.add(migrationId);
        state.save();
        return first;
    }

    /**
     * The broker refused (or again accepts) this host's certificate: while refused, libvirtd's plain
     * TCP port is closed whatever the last policy said, since a newer policy or credential could not
     * reach the host. Only a change is applied.
     */
    public synchronized void busAccess(boolean lost) {
        if (state.busAccessLost == lost || state.certPem == null) {
            return;
        }
        state.busAccessLost = lost;
        state.save();
        LOG.warnf(lost ? "the bus refuses this host: libvirtd's TCP port stays closed until it accepts it again"
                : "the bus accepts this host again: libvirtd's TCP port follows the cluster policy");
        reconciler.applyAndReport();
    }

    /** Renders, validates, writes, reloads or restarts, probes and reports. Retries later when libvirtd is down. */
    public synchronized HostConfigured applyAndReport() {
        return reconciler.applyAndReport();
    }

    /** Periodic self-probe; repairs drift when the policy says so. */
    public synchronized HostConfigured probeAndReport(boolean mayRepair) {
        return reconciler.probeAndReport(mayRepair);
    }

    public synchronized boolean retryPending() {
        return reconciler.retryPending();
    }

    /** The migration proxy's port while it listens and the cluster opted in (TLS_AGENT_PROXY offered); else null. */
    public Integer migrationProxyPort() {
        return proxy.advertisedPort(ClusterPolicy.of(state));
    }

    /** Read for every proxied stream: the current key, certificate, CAs and CRLs; none without a usable certificate. */
    private Optional<ProxyCredentials> proxyCredentials(Revocations revocations) {
        if (state.ownCertRevoked) {
            return Optional.empty();
        }
        return identity.signing().map(s -> new ProxyCredentials(s.key().privateKey(), s.chain(), anchors.anchors(),
                revocations::isRevoked, config.clusterId()));
    }

    public int runningMigrations() {
        return migrations.runningCount();
    }
}
