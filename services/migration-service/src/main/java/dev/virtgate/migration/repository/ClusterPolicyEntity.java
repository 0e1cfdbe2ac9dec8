package dev.virtgate.migration.repository;

import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.contracts.events.PolicyMode;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** A cluster's migration policy; clusters without a row use REQUIRE_TLS. */
@Entity
@Table(name = "cluster_policy")
public class ClusterPolicyEntity extends PanacheEntityBase {

    @Id
    @Column(length = 63)
    public String clusterId;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 32)
    public PolicyMode mode;

    public Instant windowExpiresAt;

    @Column(nullable = false, length = 256)
    public String updatedBy;

    @Column(nullable = false)
    public Instant updatedAt;

    public ClusterPolicy toPolicy() {
        return new ClusterPolicy(mode, windowExpiresAt);
    }
}
