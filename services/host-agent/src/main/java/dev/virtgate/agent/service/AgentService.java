package dev.virtgate.agent.service;

import dev.virtgate.agent.command.CommandGate;
import dev.virtgate.agent.command.CommandVerifier;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.enroll.HostEnrollment;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.MigrationRunner;
import dev.virtgate.agent.nova.NovaIntegration;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.reconcile.ConfigReconciler;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.CurrentProxyCredentials;
import dev.virtgate.agent.trust.EventSigner;
import dev.virtgate.agent.trust.InboundVerifier;
import dev.virtgate.agent.trust.PinnedAnchors;
import dev.virtgate.agent.trust.Revocations;
import dev.virtgate.agent.trust.SignedEvent;
import dev.virtgate.agent.trust.TrustState;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostAccessGranted;
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

/**
 * The agent, independent of Kafka and CDI: the consumer and the tests hand every incoming event to
 * {@link #receive}, which verifies it before anything else looks at it and then dispatches to the
 * part that owns it: {@link TrustState} (certificates, CRLs, peers), {@link ConfigReconciler}
 * (files, libvirtd, posture), {@link CommandGate} (migrations), {@link HostIdentity} (keys, CSRs),
 * through {@link EventHandlers}; {@link HostEnrollment} enrolls. State changes are serialised by this
 * object's monitor.
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
    private final EventSigner signer;
    private final EventSink sink;
    private final ConfigReconciler reconciler;
    private final MigrationRunner migrations;
    private final CommandGate commands;
    private final UntilPinned untilPinned;
    private final NovaIntegration nova;
    private final MigrationProxy proxy;
    private final HostEnrollment enrollment;
    private final EventHandlers handlers;

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
        TrustState trust = new TrustState(config, state, identity, anchors, revocations, clock);
        this.untilPinned = new UntilPinned(paths.stateDir.resolve("until-pinned"), anchors);
        this.signer = new EventSigner(config.hostId(), identity, codec);
        this.sink = event -> signer.sign(event).ifPresentOrElse(out::send, () -> LOG.warnf(
                "%s not published: this host has no certificate yet to sign it with", event.getClass().getSimpleName()));
        ReentrantReadWriteLock migrationLock = new ReentrantReadWriteLock(true);
        this.proxy = new MigrationProxy(config.migrationProxy(),
                new CurrentProxyCredentials(config, state, identity, anchors, revocations));
        proxy.follow();
        this.reconciler = new ConfigReconciler(config, paths, new ConfigReconciler.Parts(state, identity, credentials,
                sink, libvirtd, migrationLock, proxy), this::applyAndReport);
        this.migrations = new MigrationRunner(config.libvirtUri(), config.hostId(), sink, migrationLock, proxy);
        this.commands = new CommandGate(config, commandVerifier, migrations, sink, clock, this::firstDelivery);
        this.nova = new NovaIntegration(config, paths);
        this.enrollment = new HostEnrollment(AGENT_VERSION, state, identity, anchors, reconciler, proxy, sink);
        this.handlers = new EventHandlers(config, state, identity, trust, reconciler, nova, sink);
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
        return enrollment.enroll(token);
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
        if (event instanceof HostAccessGranted e) {
            return onAccessGranted(e);
        } else if (event instanceof MigrationRequested e) {
            commands.onRequested(e);
        } else if (event instanceof MigrationCancelRequested e) {
            commands.onCancelRequested(e);
        } else {
            return handle(verified);
        }
        return Optional.empty();
    }

    /** Every other event changes the state: {@link EventHandlers}, under this object's monitor. */
    private synchronized Optional<Event> handle(InboundVerifier.Verified verified) {
        return handlers.handle(verified);
    }

    private Optional<Event> onAccessGranted(HostAccessGranted e) {
        if (!config.hostId().equals(e.hostId())) {
            return Optional.empty();
        }
        accessGrants.onAccessGranted(e, identity.key().privateKey());
        synchronized (this) {
            return Optional.of(handlers.onAccessGranted(e));
        }
    }

    /** Brings the cloud integration's files in line with what the agent last learnt (at start). */
    public synchronized NovaIntegration.Outcome applyIntegration() {
        return nova.apply(state.tlsReadiness);
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
        handlers.onBusAccess(lost);
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

    public int runningMigrations() {
        return migrations.runningCount();
    }
}
