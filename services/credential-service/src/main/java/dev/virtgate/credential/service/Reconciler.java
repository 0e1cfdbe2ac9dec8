package dev.virtgate.credential.service;

import dev.virtgate.credential.config.CredentialConfig;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMemberRepository;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * Drives everything from persisted state, at start and on a timer: pending first credentials,
 * revocations and grants, phase advancement of rotations in progress (what resumes a rotation after
 * a restart), rotations owed for removed hosts, and scheduled rotations.
 */
@ApplicationScoped
public class Reconciler {
    /** The requester named for rotations the schedule starts. */
    public static final String SCHEDULER = "scheduler";

    @Inject
    ClusterCredentialRepository clusters;

    @Inject
    HostMemberRepository hosts;

    @Inject
    CredentialService credentials;

    @Inject
    HostAccessService access;

    @Inject
    CredentialConfig config;

    @Scheduled(every = "${virtgate.credential.rotation.check-every}", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void tick() {
        reconcile(Instant.now());
    }

    public void reconcile(Instant now) {
        List<String> without = QuarkusTransaction.requiringNew().call(() -> clusters.withoutCredential());
        without.forEach(c -> FollowUpRunner.attempt("initial credential of " + c, () -> credentials.ensureInitial(c)));
        List<String> revocations = QuarkusTransaction.requiringNew().call(() ->
                hosts.pendingRevocations().stream().map(h -> h.hostId).toList());
        revocations.forEach(h -> FollowUpRunner.attempt("access revocation of " + h, () -> access.revoke(h)));
        List<String> grants = QuarkusTransaction.requiringNew().call(() ->
                hosts.pendingGrants().stream().map(h -> h.hostId).toList());
        grants.forEach(h -> FollowUpRunner.attempt("access grant of " + h, () -> access.grant(h)));
        resumeRotations(now);
        rotateOwed();
        rotateDue(now);
    }

    /** Starts the rotations owed for removed hosts where no rotation is under way (any more). */
    public void rotateOwed() {
        List<String> owing = QuarkusTransaction.requiringNew().call(() -> clusters.owingRotation());
        owing.forEach(c -> FollowUpRunner.attempt("owed rotation of " + c, () -> credentials.rotateOwed(c)));
    }

    /** Advances every rotation whose members all acknowledged; the restart path is this one. */
    public void resumeRotations(Instant now) {
        List<String> inProgress = QuarkusTransaction.requiringNew().call(() -> clusters.inProgress());
        for (String clusterId : inProgress) {
            QuarkusTransaction.requiringNew().run(() -> clusters.lock(clusterId).ifPresent(cluster -> {
                if (credentials.advance(cluster).isEmpty() && (cluster.lastAnnouncedAt == null
                        || !cluster.lastAnnouncedAt.plus(config.rotation().reannounceEvery()).isAfter(now))) {
                    credentials.announce(cluster); // for laggards that missed it
                }
            }));
        }
    }

    /** Starts the scheduled rotations that are due at {@code now}. */
    public List<String> rotateDue(Instant now) {
        if (config.rotation().interval().isEmpty()) {
            return List.of();
        }
        Duration interval = config.rotation().interval().get();
        List<String> due = QuarkusTransaction.requiringNew().call(() -> clusters.idleWithCredential().stream()
                .filter(c -> !lastRotation(c).plus(interval).isAfter(now)).map(c -> c.clusterId).toList());
        due.forEach(c -> FollowUpRunner.attempt("scheduled rotation of " + c, () -> credentials.rotate(c, SCHEDULER)));
        return due;
    }

    private static Instant lastRotation(ClusterCredential c) {
        return c.rotationStartedAt != null ? c.rotationStartedAt : c.createdAt;
    }
}
