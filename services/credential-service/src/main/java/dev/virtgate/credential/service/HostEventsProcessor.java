package dev.virtgate.credential.service;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.credential.pki.HostKeys;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMember;
import dev.virtgate.credential.repository.HostMemberRepository;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Applies one consumer batch of host events in ONE transaction: the batch's hosts are loaded with
 * one query, acknowledgements fold into their acked rank in memory, dirty rows flush as JDBC
 * batches, and each touched cluster is evaluated once at the end (one count query per cluster).
 * Membership events and acknowledgements are all naturally idempotent; enrollments are guarded by
 * the processed-event log and the token's single use.
 */
@ApplicationScoped
public class HostEventsProcessor {
    private static final Logger LOG = Logger.getLogger(HostEventsProcessor.class);

    @Inject
    HostMemberRepository hosts;

    @Inject
    ClusterCredentialRepository clusters;

    @Inject
    CredentialService credentials;

    Clock clock = Clock.systemUTC();

    /** What must happen in OpenBao after the batch committed. */
    public record FollowUps(Set<String> clustersWithoutCredential, Set<String> grants, Set<String> revocations) {
    }

    /**
     * @param firstDelivery tells whether an enrollment event is seen for the first time (records
     *                      it in the processed-event log as a side effect, inside this transaction)
     */
    @Transactional
    public FollowUps process(List<Event> events, Predicate<Integer> firstDelivery) {
        Instant now = clock.instant();
        Set<String> hostIds = new LinkedHashSet<>();
        events.forEach(e -> hostIds.add(e.subject()));
        Map<String, HostMember> members = new HashMap<>();
        hosts.findByIds(hostIds).forEach(h -> members.put(h.hostId, h));
        Map<String, ClusterCredential> locked = new TreeMap<>();
        Set<String> touched = new TreeSet<>();
        Set<String> behind = new TreeSet<>();
        FollowUps followUps = new FollowUps(new TreeSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>());

        for (int i = 0; i < events.size(); i++) {
            Event event = events.get(i);
            if (event instanceof HostConfigured ack) {
                acknowledge(ack, members.get(ack.hostId()), locked, touched, behind, now);
            } else if (event instanceof HostRegistered registered) {
                register(registered, members, locked, followUps, now);
            } else if (event instanceof HostDecommissioned gone) {
                decommission(gone, members.get(gone.hostId()), touched, followUps);
            } else if (event instanceof HostEnrolled enrolled && firstDelivery.test(i)) {
                enroll(enrolled, members.get(enrolled.hostId()), followUps, now);
            }
        }
        for (String clusterId : touched) {
            ClusterCredential cluster = cluster(clusterId, locked);
            if (cluster != null && credentials.advance(cluster).isEmpty() && behind.contains(clusterId)) {
                credentials.announceDebounced(cluster);
            }
        }
        return followUps;
    }

    private void acknowledge(HostConfigured ack, HostMember host, Map<String, ClusterCredential> locked,
            Set<String> touched, Set<String> behind, Instant now) {
        if (host == null || host.decommissioned || !host.clusterId.equals(ack.clusterId())) {
            LOG.debugf("ignoring HostConfigured of %s: not a current member of %s", ack.hostId(), ack.clusterId());
            return;
        }
        ClusterCredential cluster = cluster(host.clusterId, locked);
        if (cluster == null) {
            return;
        }
        RotationMachine.AckOutcome outcome = RotationMachine.acknowledge(cluster.state(), host.ackedRank,
                ack.credentialRotationId(), ack.credentialVersion(), ack.credentialPhase());
        if (outcome.ackedRank() != host.ackedRank) {
            host.ackedRank = outcome.ackedRank();
            host.ackedAt = now;
        }
        if (outcome.accepted()) {
            touched.add(host.clusterId);
        }
        if (outcome.behind()) {
            touched.add(host.clusterId);
            behind.add(host.clusterId);
        }
    }

    private void register(HostRegistered registered, Map<String, HostMember> members,
            Map<String, ClusterCredential> locked, FollowUps followUps, Instant now) {
        HostMember host = members.get(registered.hostId());
        if (host != null && (host.decommissioned || !host.clusterId.equals(registered.clusterId()))) {
            LOG.warnf("ignoring HostRegistered of %s: host id already used (cluster %s, decommissioned %s)",
                    registered.hostId(), host.clusterId, host.decommissioned);
            return;
        }
        if (host == null) {
            host = new HostMember();
            host.hostId = registered.hostId();
            host.clusterId = registered.clusterId();
            host.registeredAt = now;
            hosts.persist(host);
            members.put(host.hostId, host);
        }
        if (!host.enrollmentTokenUsed || !registered.enrollmentTokenSha256().equals(host.enrollmentTokenSha256)) {
            host.fqdn = registered.fqdn();
            host.enrollmentTokenSha256 = registered.enrollmentTokenSha256();
            host.enrollmentTokenExpiresAt = registered.enrollmentTokenExpiresAt();
            host.enrollmentTokenUsed = false;
        }
        ClusterCredential cluster = cluster(registered.clusterId(), locked);
        if (cluster == null) {
            cluster = new ClusterCredential();
            cluster.clusterId = registered.clusterId();
            cluster.createdAt = now;
            clusters.persist(cluster);
            locked.put(cluster.clusterId, cluster);
        }
        if (!cluster.state().hasCredential()) {
            followUps.clustersWithoutCredential().add(cluster.clusterId);
        }
    }

    private void decommission(HostDecommissioned gone, HostMember host, Set<String> touched, FollowUps followUps) {
        if (host == null || host.decommissioned) {
            return;
        }
        host.decommissioned = true;
        host.pendingGrantCsrPem = null;
        if (host.accessGranted) {
            host.accessRevokePending = true;
            followUps.revocations().add(host.hostId);
        }
        touched.add(host.clusterId); // it no longer blocks the rotation
        LOG.infof("host %s left cluster %s", host.hostId, host.clusterId);
    }

    private void enroll(HostEnrolled enrolled, HostMember host, FollowUps followUps, Instant now) {
        String refusal = null;
        if (host == null || host.decommissioned) {
            refusal = "host is not registered";
        } else if (!host.clusterId.equals(enrolled.clusterId())) {
            refusal = "cluster does not match the registration";
        } else if (host.enrollmentTokenUsed) {
            refusal = "enrollment token already used";
        } else if (host.enrollmentTokenExpiresAt == null || !host.enrollmentTokenExpiresAt.isAfter(now)) {
            refusal = "enrollment token expired";
        } else if (!EnrollmentTokens.matches(enrolled.enrollmentToken(), host.enrollmentTokenSha256)) {
            refusal = "enrollment token does not match";
        } else {
            try {
                HostKeys.publicKeyOf(enrolled.csrPem());
            } catch (IllegalArgumentException e) {
                refusal = "CSR refused: " + e.getMessage();
            }
        }
        if (refusal != null) {
            LOG.warnf("enrollment of host %s refused: %s", enrolled.hostId(), refusal);
            return;
        }
        host.enrollmentTokenUsed = true;
        host.pendingGrantCsrPem = enrolled.csrPem();
        followUps.grants().add(host.hostId);
    }

    private ClusterCredential cluster(String clusterId, Map<String, ClusterCredential> locked) {
        ClusterCredential cluster = locked.get(clusterId);
        if (cluster == null) {
            cluster = clusters.lock(clusterId).orElse(null);
            if (cluster != null) {
                locked.put(clusterId, cluster);
            }
        }
        return cluster;
    }
}
