package dev.virtgate.credential.repository;

import io.quarkus.hibernate.orm.panache.PanacheRepositoryBase;
import jakarta.enterprise.context.ApplicationScoped;

import java.util.Collection;
import java.util.List;

@ApplicationScoped
public class HostMemberRepository implements PanacheRepositoryBase<HostMember, String> {

    /** A rotation waits for these: hosts neither decommissioned nor with their access withdrawn. */
    static final String CURRENT = "decommissioned = false and (accessWithdrawn is null or accessWithdrawn = false)";

    /** Loads many hosts in one round trip (the consumer's batch). */
    public List<HostMember> findByIds(Collection<String> hostIds) {
        return hostIds.isEmpty() ? List.of() : list("hostId in ?1", hostIds);
    }

    public long laggards(String clusterId, int rank) {
        return count("clusterId = ?1 and " + CURRENT + " and ackedRank < ?2", clusterId, rank);
    }

    /** Host id and acknowledged rank of every current member, without loading entities. */
    public List<Object[]> memberRanks(String clusterId) {
        return getEntityManager().createQuery("select h.hostId, h.ackedRank from HostMember h where h.clusterId = ?1"
                + " and h.decommissioned = false and (h.accessWithdrawn is null or h.accessWithdrawn = false)"
                + " order by h.hostId", Object[].class).setParameter(1, clusterId).getResultList();
    }

    public List<HostMember> members(String clusterId) {
        return list("clusterId = ?1 and " + CURRENT + " order by hostId", clusterId);
    }

    public List<HostMember> pendingGrants() {
        return list("pendingGrantCsrPem is not null and decommissioned = false");
    }

    public List<HostMember> pendingRevocations() {
        return list("accessRevokePending = true");
    }

    /** Hosts of the cluster whose access is still to be revoked in OpenBao: an owed rotation waits for them. */
    public long pendingRevocations(String clusterId) {
        return count("clusterId = ?1 and accessRevokePending = true", clusterId);
    }
}
