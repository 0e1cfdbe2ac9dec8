package dev.virtgate.migration.repository;

import dev.virtgate.contracts.events.ClusterPolicyChanged;
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

/**
 * A cluster's migration policy; clusters without a row use REQUIRE_TLS with SASL on TLS. The columns
 * added later ({@code saslOnTls}, {@code revision}) are nullable: schema management is Hibernate
 * {@code update}, and rows written before them read as {@code true} and {@code 0}.
 */
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

    /** SASL (SCRAM-SHA-256) layered on libvirt's TLS port; null: true. */
    public Boolean saslOnTls;

    /** Bumped by every change, carried by ClusterPolicyChanged; null: 0 (never published). */
    public Long revision;

    /** Memory connections of a parallel TLS_NATIVE migration (1 to 16); null: the negotiator's default. */
    public Integer parallelConnections;

    /** TLS_AGENT_PROXY where both agents offer it (opt-in: it puts the agents in the memory path). */
    @Column(nullable = false)
    public boolean agentTlsProxy;

    @Column(nullable = false, length = 256)
    public String updatedBy;

    @Column(nullable = false)
    public Instant updatedAt;

    public ClusterPolicy toPolicy() {
        return new ClusterPolicy(mode, windowExpiresAt, parallelConnections, agentTlsProxy);
    }

    public boolean saslOnTlsOrDefault() {
        return saslOnTls == null || saslOnTls;
    }

    public long revisionOrZero() {
        return revision == null ? 0 : revision;
    }

    /** The policy as agents apply it; {@code changedAt} is when it was last set. */
    public ClusterPolicyChanged toEvent() {
        return new ClusterPolicyChanged(clusterId, mode, windowExpiresAt, saslOnTlsOrDefault(), revisionOrZero(),
                updatedAt, agentTlsProxy);
    }
}
