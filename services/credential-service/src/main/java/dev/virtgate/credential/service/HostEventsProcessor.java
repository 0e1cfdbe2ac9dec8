package dev.virtgate.credential.service;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMember;
import dev.virtgate.credential.repository.HostMemberRepository;
import dev.virtgate.support.inbox.ReceivedEvent;
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
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * Applies one consumer batch of verified host and certificate events in ONE transaction: the batch's
 * hosts are loaded with one query, acknowledgements fold into their acked rank in memory, dirty rows
 * flush as JDBC batches, and each touched cluster is evaluated once at the end (one count query per
 * cluster).
 * Every event's producer was proven against the authorization table before (so an acknowledgement
 * is its own host's, a registration migration-service's); enrollments are checked here against the
 * registration ({@link EnrollmentCheck}) and refusals returned for the dead-letter topic.
 * Membership events and acknowledgements are naturally idempotent; enrollments are guarded by the
 * processed-event log and the token's binding to one key, revocations by the log and the host's state.
 * Removing a host that held access (decommissioned, or its current certificate revoked) owes its
 * cluster a rotation: started once the host's access is revoked in OpenBao and no rotation is under
 * way, so after the one in progress, whose password the host may already have read.
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

    /** What must happen in OpenBao after the batch committed; owed rotations after the revocations. */
    public record FollowUps(Set<String> clustersWithoutCredential, Set<String> grants, Set<String> revocations,
            Set<String> owedRotations) {
    }

    /** The batch's effects: OpenBao follow-ups, and the events refused (by index) with the reason. */
    public record Applied(FollowUps followUps, SortedMap<Integer, String> refused) {
    }

    /**
     * @param firstDelivery tells whether an enrollment or revocation is seen for the first time (records
     *                      it in the processed-event log as a side effect, inside this transaction)
     */
    @Transactional
    public Applied process(List<ReceivedEvent> received, Predicate<Integer> firstDelivery) {
        Instant now = clock.instant();
        Set<String> hostIds = new LinkedHashSet<>();
        received.forEach(r -> hostIds.add(r.event().subject()));
        Map<String, HostMember> members = new HashMap<>();
        hosts.findByIds(hostIds).forEach(h -> members.put(h.hostId, h));
        Map<String, ClusterCredential> locked = new TreeMap<>();
        Set<String> touched = new TreeSet<>();
        Set<String> behind = new TreeSet<>();
        FollowUps followUps = new FollowUps(new TreeSet<>(), new LinkedHashSet<>(), new LinkedHashSet<>(),
                new TreeSet<>());
        SortedMap<Integer, String> refused = new TreeMap<>();
        HostRemovals removals = new HostRemovals(id -> cluster(id, locked), touched, followUps, now);

        for (int i : controlPlaneFirst(received)) {
            Event event = received.get(i).event();
            if (event instanceof HostConfigured ack) {
                acknowledge(ack, members.get(ack.hostId()), locked, touched, behind, now);
            } else if (event instanceof HostRegistered registered) {
                register(registered, members, locked, followUps, now);
            } else if (event instanceof HostDecommissioned gone) {
                removals.decommission(members.get(gone.hostId()));
            } else if (event instanceof CertIssued issued) {
                CertificateCheck.issued(members.get(issued.hostId()), issued);
            } else if (event instanceof CertRevoked revoked && firstDelivery.test(i)) {
                removals.withdraw(revoked, members.get(revoked.hostId()));
            } else if (event instanceof HostEnrolled enrolled && firstDelivery.test(i)) {
                String refusal = enroll(enrolled, members.get(enrolled.hostId()), followUps, now);
                if (refusal != null) {
                    refused.put(i, refusal(received.get(i), refusal));
                }
            }
        }
        for (String clusterId : touched) {
            ClusterCredential cluster = cluster(clusterId, locked);
            if (cluster == null) {
                continue;
            }
            if (credentials.advance(cluster).isEmpty() && behind.contains(clusterId)) {
                credentials.announceDebounced(cluster);
            }
            if (cluster.rotationOwedAt != null && cluster.state().idle()) {
                followUps.owedRotations().add(clusterId);
            }
        }
        return new Applied(followUps, refused);
    }

    /**
     * Indexes of the batch, the control plane's events before the agents' reports: a registration and
     * the enrollment that follows it travel on different topics, and one poll may hand them over in
     * either order. Each group keeps its own order.
     */
    static List<Integer> controlPlaneFirst(List<ReceivedEvent> received) {
        List<Integer> order = new java.util.ArrayList<>(received.size());
        for (boolean agents : new boolean[] {false, true}) {
            for (int i = 0; i < received.size(); i++) {
                if (Topics.AGENT_REPORTS.equals(received.get(i).envelope().type().topic()) == agents) {
                    order.add(i);
                }
            }
        }
        return order;
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
        if (!host.enrollmentTokenUsed || !registered.enrollmentKey().equals(host.enrollmentKey)) {
            // a new token (re-registration) may enroll a new key; a redelivered registration changes nothing
            host.fqdn = registered.fqdn();
            host.enrollmentKey = registered.enrollmentKey();
            host.enrollmentTokenExpiresAt = registered.enrollmentTokenExpiresAt();
            host.enrollmentTokenUsed = false;
            host.enrolledKeySha256 = null;
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

    /** Returns why the enrollment was refused, or null. */
    private String enroll(HostEnrolled enrolled, HostMember host, FollowUps followUps, Instant now) {
        EnrollmentCheck.Verdict verdict = EnrollmentCheck.check(host, enrolled, now);
        if (verdict instanceof EnrollmentCheck.Refuse refuse) {
            LOG.warnf("enrollment of host %s refused: %s", enrolled.hostId(), refuse.reason());
            return refuse.reason();
        }
        if (verdict instanceof EnrollmentCheck.Accept accept) {
            host.enrollmentTokenUsed = true;
            host.enrolledKeySha256 = accept.keySha256();
            host.pendingGrantCsrPem = enrolled.csrPem();
            followUps.grants().add(host.hostId);
        } else {
            LOG.debugf("host %s enrolled again with the key its token is bound to: nothing to do", enrolled.hostId());
        }
        return null;
    }

    private static String refusal(ReceivedEvent received, String reason) {
        return new EventRefusedException(received.producer().toString(), received.envelope().type().ceType(),
                received.envelope().subject(), reason).getMessage();
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
