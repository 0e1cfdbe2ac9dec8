package dev.virtgate.credential.repository;

import dev.virtgate.contracts.events.CredentialPhase;
import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;

import java.util.List;
import java.util.Optional;

@ApplicationScoped
public class ClusterCredentialRepository implements PanacheRepositoryBase<ClusterCredential, String> {

    /** The cluster row, locked until commit: rotation requests and acknowledgements serialise on it. */
    public Optional<ClusterCredential> lock(String clusterId) {
        return findByIdOptional(clusterId, LockModeType.PESSIMISTIC_WRITE);
    }

    public List<String> withoutCredential() {
        return getEntityManager().createQuery("select c.clusterId from ClusterCredential c where c.version = 0",
                String.class).getResultList();
    }

    public List<String> inProgress() {
        return getEntityManager().createQuery("select c.clusterId from ClusterCredential c where c.phase = ?1"
                + " or (c.phase = ?2 and c.previousVersion is not null)", String.class)
                .setParameter(1, CredentialPhase.STAGED).setParameter(2, CredentialPhase.ACTIVE).getResultList();
    }

    /** Clusters a host's removal owes a rotation (started once idle and the host's access is revoked). */
    public List<String> owingRotation() {
        return getEntityManager().createQuery("select c.clusterId from ClusterCredential c"
                + " where c.rotationOwedAt is not null", String.class).getResultList();
    }

    public List<ClusterCredential> idleWithCredential() {
        return list("version > 0 and (phase = ?1 or (phase = ?2 and previousVersion is null))",
                CredentialPhase.RETIRED, CredentialPhase.ACTIVE);
    }
}
