package dev.virtgate.migration.repository;

import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The last ClusterTlsReadinessChanged sent for a cluster: the answer, its counts and its revision. */
@Entity
@Table(name = "cluster_tls_readiness")
public class ClusterTlsReadinessEntity extends PanacheEntityBase {

    @Id
    @Column(length = 63)
    public String clusterId;

    @Column(nullable = false)
    public boolean nativeTlsEverywhere;

    @Column(nullable = false)
    public int hosts;

    @Column(nullable = false)
    public int nativeTlsHosts;

    @Column(nullable = false)
    public long revision;

    @Column(nullable = false)
    public Instant changedAt;

    public ClusterTlsReadinessChanged toEvent() {
        return new ClusterTlsReadinessChanged(clusterId, nativeTlsEverywhere, hosts, nativeTlsHosts, revision,
                changedAt);
    }
}
