package dev.virtgate.migration.service;

import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.migration.repository.ClusterPolicyEntity;
import dev.virtgate.migration.rest.PolicyRequest;
import dev.virtgate.migration.rest.PolicyView;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * Cluster migration policies. A cluster without one requires TLS, with SASL on TLS. Every change is
 * sent to the agents as a signed ClusterPolicyChanged, written with it in one transaction.
 */
@ApplicationScoped
public class PolicyService {
    public static final String CLUSTER_ID = "[a-z0-9][a-z0-9-]{0,62}";

    @Inject
    OutboxWriter outbox;

    @Inject
    AuditRecorder audit;

    public ClusterPolicy policyOf(String clusterId) {
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId);
        return entity == null ? ClusterPolicy.DEFAULT : entity.toPolicy();
    }

    public PolicyView get(String clusterId) {
        checkId(clusterId);
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId);
        Instant now = Instant.now();
        if (entity == null) {
            return new PolicyView(clusterId, PolicyMode.REQUIRE_TLS, null, false, true, 0, null, false, null, null);
        }
        return view(entity, now);
    }

    @Transactional
    public PolicyView put(String clusterId, PolicyRequest request, String requestedBy) {
        checkId(clusterId);
        // instants as PostgreSQL stores them: the event sent again on a registration is the same
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        if (request.mode() == PolicyMode.UPGRADE_WINDOW) {
            if (request.windowExpiresAt() == null) {
                throw InvalidInputException.unprocessable("windowExpiresAt", "an UPGRADE_WINDOW needs an expiry");
            }
            if (!request.windowExpiresAt().isAfter(now)) {
                throw InvalidInputException.unprocessable("windowExpiresAt", "must be in the future");
            }
        } else if (request.windowExpiresAt() != null) {
            throw InvalidInputException.unprocessable("windowExpiresAt", "only an UPGRADE_WINDOW has an expiry");
        }
        Integer connections = request.parallelConnections();
        if (connections != null && (connections < PolicyRequest.MIN_PARALLEL_CONNECTIONS
                || connections > PolicyRequest.MAX_PARALLEL_CONNECTIONS)) {
            throw InvalidInputException.unprocessable("parallelConnections", "must be from "
                    + PolicyRequest.MIN_PARALLEL_CONNECTIONS + " to " + PolicyRequest.MAX_PARALLEL_CONNECTIONS);
        }
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId, LockModeType.PESSIMISTIC_WRITE);
        if (entity == null) {
            entity = new ClusterPolicyEntity();
            entity.clusterId = clusterId;
        }
        entity.mode = request.mode();
        entity.windowExpiresAt = request.windowExpiresAt() == null ? null
                : request.windowExpiresAt().truncatedTo(ChronoUnit.MICROS);
        entity.saslOnTls = request.saslOnTlsOrDefault();
        entity.parallelConnections = connections;
        entity.agentTlsProxy = request.agentTlsProxyOrDefault();
        entity.revision = entity.revisionOrZero() + 1;
        entity.updatedBy = requestedBy;
        entity.updatedAt = now;
        entity.persist();
        outbox.write(entity.toEvent());
        String what = "policy=" + request.mode()
                + (request.windowExpiresAt() == null ? "" : " until=" + request.windowExpiresAt())
                + " saslOnTls=" + entity.saslOnTls
                + (connections == null ? "" : " parallelConnections=" + connections)
                + " agentTlsProxy=" + entity.agentTlsProxy + " revision=" + entity.revision;
        audit.accepted(AuditEntry.of(AuditActions.POLICY_SET, clusterId).cluster(clusterId).detail(what)
                .warn(request.mode() == PolicyMode.UPGRADE_WINDOW));
        return view(entity, now);
    }

    /**
     * Sends the cluster's policy again, at its revision, inside the caller's transaction: for an agent
     * enrolling after topic retention dropped the original. Nothing for a cluster without a policy row
     * (agents default to REQUIRE_TLS with SASL on TLS). A row from before revisions becomes revision 1.
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void republish(String clusterId) {
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId, LockModeType.PESSIMISTIC_WRITE);
        if (entity == null) {
            return;
        }
        if (entity.revisionOrZero() == 0) {
            entity.revision = 1L;
        }
        outbox.write(entity.toEvent());
    }

    private static PolicyView view(ClusterPolicyEntity entity, Instant now) {
        return new PolicyView(entity.clusterId, entity.mode, entity.windowExpiresAt, entity.toPolicy().windowOpen(now),
                entity.saslOnTlsOrDefault(), entity.revisionOrZero(), entity.parallelConnections, entity.agentTlsProxy,
                entity.updatedBy,
                entity.updatedAt);
    }

    private static void checkId(String clusterId) {
        if (clusterId == null || !clusterId.matches(CLUSTER_ID)) {
            throw InvalidInputException.malformed("clusterId",
                    "must be lower-case letters, digits and '-', at most 63");
        }
    }
}
