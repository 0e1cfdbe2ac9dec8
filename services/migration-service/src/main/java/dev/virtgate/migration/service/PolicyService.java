package dev.virtgate.migration.service;

import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.migration.repository.ClusterPolicyEntity;
import dev.virtgate.migration.rest.PolicyRequest;
import dev.virtgate.migration.rest.PolicyView;
import dev.virtgate.support.rest.ProblemException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.time.Instant;

/** Cluster migration policies. A cluster without one requires TLS. */
@ApplicationScoped
public class PolicyService {
    public static final String CLUSTER_ID = "[a-z0-9][a-z0-9-]{0,62}";

    public ClusterPolicy policyOf(String clusterId) {
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId);
        return entity == null ? ClusterPolicy.DEFAULT : entity.toPolicy();
    }

    public PolicyView get(String clusterId) {
        checkId(clusterId);
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId);
        Instant now = Instant.now();
        if (entity == null) {
            return new PolicyView(clusterId, PolicyMode.REQUIRE_TLS, null, false, null, null);
        }
        return view(entity, now);
    }

    @Transactional
    public PolicyView put(String clusterId, PolicyRequest request, String requestedBy) {
        checkId(clusterId);
        Instant now = Instant.now();
        if (request.mode() == PolicyMode.UPGRADE_WINDOW) {
            if (request.windowExpiresAt() == null) {
                throw ProblemException.unprocessable("windowExpiresAt", "an UPGRADE_WINDOW needs an expiry");
            }
            if (!request.windowExpiresAt().isAfter(now)) {
                throw ProblemException.unprocessable("windowExpiresAt", "must be in the future");
            }
        } else if (request.windowExpiresAt() != null) {
            throw ProblemException.unprocessable("windowExpiresAt", "only an UPGRADE_WINDOW has an expiry");
        }
        ClusterPolicyEntity entity = ClusterPolicyEntity.findById(clusterId);
        if (entity == null) {
            entity = new ClusterPolicyEntity();
            entity.clusterId = clusterId;
        }
        entity.mode = request.mode();
        entity.windowExpiresAt = request.windowExpiresAt();
        entity.updatedBy = requestedBy;
        entity.updatedAt = now;
        entity.persist();
        String what = "cluster=" + clusterId + " mode=" + request.mode()
                + (request.windowExpiresAt() == null ? "" : " until=" + request.windowExpiresAt());
        if (request.mode() == PolicyMode.UPGRADE_WINDOW) {
            Audit.warn("policy.upgrade-window", requestedBy, what);
        } else {
            Audit.info("policy.set", requestedBy, what);
        }
        return view(entity, now);
    }

    private static PolicyView view(ClusterPolicyEntity entity, Instant now) {
        return new PolicyView(entity.clusterId, entity.mode, entity.windowExpiresAt, entity.toPolicy().windowOpen(now),
                entity.updatedBy, entity.updatedAt);
    }

    private static void checkId(String clusterId) {
        if (clusterId == null || !clusterId.matches(CLUSTER_ID)) {
            throw ProblemException.badRequest("clusterId", "must be lower-case letters, digits and '-', at most 63");
        }
    }
}
