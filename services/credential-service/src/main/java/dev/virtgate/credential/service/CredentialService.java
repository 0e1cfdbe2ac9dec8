package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.credential.config.CredentialConfig;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMemberRepository;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;

/**
 * Creates and rotates cluster credentials. Order of effects, always: write the new KV version to
 * OpenBao first; only after that succeeded, commit the state naming it together with its
 * CredentialRotated (outbox). If OpenBao is down nothing is committed and nothing is announced; if
 * the commit fails after the KV write, the orphan KV version is never named to any host.
 */
@ApplicationScoped
public class CredentialService {
    private static final Logger LOG = Logger.getLogger(CredentialService.class);
    /** The requester named for rotations a host's removal owes. */
    public static final String HOST_REMOVAL = "host-removal";

    @Inject
    ClusterCredentialRepository clusters;

    @Inject
    HostMemberRepository hosts;

    @Inject
    CredentialStore store;

    @Inject
    OutboxWriter outbox;

    @Inject
    CredentialConfig config;

    @Inject
    AuditRecorder audit;

    Clock clock = Clock.systemUTC();

    /** The first credential of a cluster (version 1, ACTIVE). Idempotent. */
    public void ensureInitial(String clusterId) {
        Optional<RotationState> state = QuarkusTransaction.requiringNew().call(() ->
                clusters.findByIdOptional(clusterId).map(ClusterCredential::state));
        if (state.isEmpty() || state.get().hasCredential()) {
            return;
        }
        int kvVersion = store.storeNewVersion(clusterId, 1);
        QuarkusTransaction.requiringNew().run(() -> {
            ClusterCredential cluster = clusters.lock(clusterId).orElseThrow();
            if (cluster.state().hasCredential()) {
                return; // someone else won; our KV version stays unreferenced
            }
            enter(cluster, cluster.state().initial(newRotationId(1), kvVersion));
            LOG.infof("cluster %s: credential v1 created (kv version %d)", clusterId, kvVersion);
        });
    }

    /**
     * Starts a staged rotation. Throws {@link UnknownClusterException}, {@link
     * RotationInProgressException} or OpenBaoUnavailableException before anything is committed.
     */
    public RotationState rotate(String clusterId, String requestedBy) {
        return rotate(clusterId, requestedBy, null, false);
    }

    /** {@link #rotate(String, String)} asked for by an operator: audited in the transaction that stages it. */
    public RotationState rotateForOperator(String clusterId, String operator) {
        return rotate(clusterId, operator, null, true);
    }

    /**
     * Starts the rotation a host's removal owes the cluster, if one is owed, no rotation is under way
     * and every removed host's access is revoked in OpenBao (before that, the removed host could
     * still read the new password). Empty when nothing was started; it stays owed and the reconciler
     * or the next batch tries again. A removal recorded while this one starts owes another one.
     */
    public Optional<RotationState> rotateOwed(String clusterId) {
        Instant owedAt = QuarkusTransaction.requiringNew().call(() -> clusters.findByIdOptional(clusterId)
                .filter(c -> c.rotationOwedAt != null && c.state().hasCredential() && c.state().idle())
                .filter(c -> hosts.pendingRevocations(clusterId) == 0)
                .map(c -> c.rotationOwedAt).orElse(null));
        if (owedAt == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(rotate(clusterId, HOST_REMOVAL, owedAt, false));
        } catch (RotationInProgressException e) {
            return Optional.empty(); // someone else started one meanwhile: still owed, after that one
        }
    }

    private RotationState rotate(String clusterId, String requestedBy, Instant settlesOwedAt, boolean audited) {
        RotationState before = QuarkusTransaction.requiringNew().call(() -> clusters.findByIdOptional(clusterId)
                .map(ClusterCredential::state).orElseThrow(() -> new UnknownClusterException(clusterId)));
        if (!before.idle()) {
            throw new RotationInProgressException(clusterId, before.phase());
        }
        int nextVersion = before.version() + 1;
        int kvVersion = store.storeNewVersion(clusterId, nextVersion);
        return QuarkusTransaction.requiringNew().call(() -> {
            ClusterCredential cluster = clusters.lock(clusterId).orElseThrow(() -> new UnknownClusterException(clusterId));
            RotationState current = cluster.state();
            if (current.version() + 1 != nextVersion || !current.idle()) {
                throw new RotationInProgressException(clusterId, current.phase());
            }
            RotationState staged = current.begin(newRotationId(nextVersion), kvVersion);
            enter(cluster, staged);
            cluster.rotationRequestedBy = requestedBy;
            if (settlesOwedAt != null && settlesOwedAt.equals(cluster.rotationOwedAt)) {
                cluster.rotationOwedAt = null;
            }
            LOG.infof("cluster %s: rotation %s to v%d staged by %s", clusterId, staged.rotationId(), nextVersion,
                    requestedBy);
            if (audited) {
                audit.accepted(AuditEntry.of(AuditActions.CREDENTIAL_ROTATE, clusterId).cluster(clusterId)
                        .detail("rotation=" + staged.rotationId() + " version=" + nextVersion));
            }
            advance(cluster);
            return cluster.state();
        });
    }

    /** Enters every phase the members allow. Call inside a transaction holding the cluster lock. */
    @Transactional(Transactional.TxType.MANDATORY)
    public List<RotationState> advance(ClusterCredential cluster) {
        List<RotationState> entered = RotationMachine.advance(cluster.state(),
                rank -> hosts.laggards(cluster.clusterId, rank));
        for (RotationState next : entered) {
            enter(cluster, next);
            LOG.infof("cluster %s: v%d entered %s", cluster.clusterId, next.version(), next.phase());
        }
        return entered;
    }

    /** Re-announces the current phase (a host enrolled or reported an older state). */
    @Transactional(Transactional.TxType.MANDATORY)
    public void announce(ClusterCredential cluster) {
        if (!cluster.state().hasCredential()) {
            return;
        }
        outbox.write(event(cluster.state()));
        cluster.lastAnnouncedAt = clock.instant();
    }

    /** Announces unless the same phase went out less than the debounce interval ago. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void announceDebounced(ClusterCredential cluster) {
        Instant now = clock.instant();
        if (cluster.lastAnnouncedAt == null
                || !cluster.lastAnnouncedAt.plus(config.rotation().catchUpDebounce()).isAfter(now)) {
            announce(cluster);
        }
    }

    public CredentialRotated event(RotationState state) {
        return state.toEvent(store.kvPath(state.clusterId()));
    }

    private void enter(ClusterCredential cluster, RotationState state) {
        cluster.apply(state, clock.instant());
        outbox.write(event(state));
    }

    private static String newRotationId(int version) {
        return "rot-v" + version + "-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
