package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.HostMember;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Set;
import java.util.function.Function;

/**
 * The removals of one consumer batch: a host decommissioned, or its current certificate revoked
 * for a reason that removes trust ({@link CertificateCheck}). Either way the host stops blocking
 * rotations at once, its OpenBao access is revoked after the commit, and if it held a grant its
 * cluster is owed a rotation ({@code rotationOwedAt}): the removed host may have read the password
 * in force, and the one of a rotation in progress.
 */
final class HostRemovals {
    private static final Logger LOG = Logger.getLogger(HostRemovals.class);

    private final Function<String, ClusterCredential> lockedCluster;
    private final Set<String> touched;
    private final HostEventsProcessor.FollowUps followUps;
    private final Instant now;

    HostRemovals(Function<String, ClusterCredential> lockedCluster, Set<String> touched,
            HostEventsProcessor.FollowUps followUps, Instant now) {
        this.lockedCluster = lockedCluster;
        this.touched = touched;
        this.followUps = followUps;
        this.now = now;
    }

    void decommission(HostMember host) {
        if (host == null || host.decommissioned) {
            return;
        }
        host.decommissioned = true;
        host.pendingGrantCsrPem = null;
        if (host.accessGranted) {
            host.accessRevokePending = true;
            followUps.revocations().add(host.hostId);
            oweRotation(host, "was decommissioned");
        }
        touched.add(host.clusterId); // it no longer blocks the rotation
        LOG.infof("host %s left cluster %s", host.hostId, host.clusterId);
    }

    /** The host loses its access, granted or pending, until it enrolls again and is granted anew. */
    void withdraw(CertRevoked revoked, HostMember host) {
        CertificateCheck.Verdict verdict = CertificateCheck.revoked(host, revoked);
        if (verdict instanceof CertificateCheck.Ignore ignore) {
            LOG.debugf("certificate %s of host %s revoked: nothing to do, %s", revoked.serial(), revoked.hostId(),
                    ignore.why());
            return;
        }
        boolean heldGrant = ((CertificateCheck.Withdraw) verdict).rotate();
        host.accessWithdrawn = true;
        host.accessGranted = false;
        host.pendingGrantCsrPem = null;
        host.accessRevokePending = true;
        followUps.revocations().add(host.hostId);
        if (heldGrant) {
            oweRotation(host, "had its certificate revoked");
        }
        touched.add(host.clusterId); // it no longer blocks the rotation
        LOG.infof("host %s: certificate %s revoked, access withdrawn until it enrolls again", host.hostId,
                revoked.serial());
    }

    private void oweRotation(HostMember host, String what) {
        ClusterCredential cluster = lockedCluster.apply(host.clusterId);
        if (cluster != null && cluster.state().hasCredential()) {
            cluster.rotationOwedAt = now.truncatedTo(ChronoUnit.MICROS);
            LOG.infof("cluster %s: rotation owed, host %s %s", cluster.clusterId, host.hostId, what);
        }
    }
}
