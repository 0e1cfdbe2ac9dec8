package dev.virtgate.credential.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

import java.time.Instant;

/**
 * A host as this service knows it: its cluster, the public key its one-time enrollment token seeds
 * (never the token), the CSR key that token is bound to once used, its access grant and the highest
 * credential stage it acknowledged ({@code ackedRank}, see Stage#rank).
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

    /** From HostRegistered: verifies the enrollment proof (EnrollmentKey), base64url X.509. */
    @Column(length = 128)
    public String enrollmentKey;

    public Instant enrollmentTokenExpiresAt;

    public boolean enrollmentTokenUsed;

    /** SHA-256 (hex) of the CSR public key that first proved the token: the only key it enrolls. */
    @Column(length = 64)
    public String enrolledKeySha256;

    public boolean decommissioned;

    public int ackedRank;

    public Instant ackedAt;

    /** The CSR whose key the secret-id is encrypted to, kept until the grant went out. */
    @Column(columnDefinition = "text")
    public String pendingGrantCsrPem;

    public boolean accessGranted;

    /** The AppRole and policy still exist in OpenBao and must be deleted (decommissioned, or access withdrawn). */
    public boolean accessRevokePending;

    /**
     * Its certificate was revoked for a reason that removes trust: it holds no access and is not
     * waited for by rotations until it enrolls again and is granted anew. Nullable (added later).
     */
    public Boolean accessWithdrawn;

    /** Serial (hex) and notBefore of the newest certificate pki-service announced for it (CertIssued). */
    @Column(length = 64)
    public String certSerial;

    public Instant certNotBefore;

    @Column(nullable = false)
    public Instant registeredAt;

    public boolean withdrawn() {
        return Boolean.TRUE.equals(accessWithdrawn);
    }
}
