package dev.virtgate.credential.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A host as this service knows it: its cluster, enrollment token hash, access grant and the
 * highest credential stage it acknowledged ({@code ackedRank}, see Stage#rank).
 */
@Entity
@Table(name = "host_member", indexes = @Index(name = "host_member_cluster_rank",
        columnList = "clusterId,decommissioned,ackedRank"))
public class HostMember extends PanacheEntityBase {

    @Id
    @Column(length = 63)
    public String hostId;

    @Column(nullable = false, length = 63)
    public String clusterId;

    @Column(length = 255)
    public String fqdn;

    @Column(length = 64)
    public String enrollmentTokenSha256;

    public Instant enrollmentTokenExpiresAt;

    public boolean enrollmentTokenUsed;

    public boolean decommissioned;

    public int ackedRank;

    public Instant ackedAt;

    /** The CSR whose key the secret-id is encrypted to, kept until the grant went out. */
    @Column(columnDefinition = "text")
    public String pendingGrantCsrPem;

    public boolean accessGranted;

    /** The AppRole and policy still exist in OpenBao and must be deleted (after decommissioning). */
    public boolean accessRevokePending;

    @Column(nullable = false)
    public Instant registeredAt;
}
