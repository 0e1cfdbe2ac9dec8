package dev.virtgate.pki.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;

/** A leaf certificate this CA issued. */
@Entity
@Table(name = "issued_certificate", indexes = {
        @Index(name = "issued_certificate_host", columnList = "hostId"),
        @Index(name = "issued_certificate_not_after", columnList = "notAfter")})
public class IssuedCertificate extends PanacheEntityBase {

    /** Lower-case hex, no leading zeros. */
    @Id
    @Column(length = 64)
    public String serial;

    @Column(nullable = false, length = 63)
    public String hostId;

    @Column(nullable = false, length = 63)
    public String clusterId;

    @Column(nullable = false, length = 1024)
    public String subjectDn;

    @Column(nullable = false, length = 1024)
    public String libvirtDn;

    @Column(nullable = false, columnDefinition = "text")
    public String certificatePem;

    @Column(nullable = false)
    public Long caId;

    @Column(nullable = false)
    public Instant notBefore;

    @Column(nullable = false)
    public Instant notAfter;

    @Column(nullable = false)
    public Instant issuedAt;

    @Column(nullable = false, length = 32)
    public String reason;

    public Instant revokedAt;

    @Column(length = 256)
    public String revocationReason;

    /** The operator's principal (JWT subject or client certificate DN); null when a decommissioning revoked it. */
    @Column(length = 512)
    public String revokedBy;

    /** Two thirds into the validity: from then on the scheduler asks the host for a new CSR. */
    @Column(nullable = false)
    public Instant renewAfter;

    public Instant renewalRequestedAt;

    @Column(length = 32)
    public String renewalReason;

    /** Serial of the certificate that replaced this one (renewal); both stay valid until this one expires. */
    @Column(length = 64)
    public String supersededBy;

    /** Matches the ids of API clients ({@code client:<name>}) and event signers ({@code service:<name>}). */
    public static final String NOT_A_HOST = "%:%";

    /** Host ids never contain ':'; the other holders' ids always do. */
    public static boolean isHostId(String hostId) {
        return hostId != null && hostId.indexOf(':') < 0;
    }

    public boolean isRevoked() {
        return revokedAt != null;
    }

    /** Not revoked, not replaced, not expired: the host's certificate in use. */
    public boolean isLive(Instant now) {
        return revokedAt == null && supersededBy == null && notAfter.isAfter(now);
    }

    public static List<IssuedCertificate> liveUnder(long caId, Instant now) {
        return list("caId = ?1 and revokedAt is null and supersededBy is null and notAfter > ?2", caId, now);
    }

    public static List<IssuedCertificate> revokedUnder(long caId) {
        return list("caId = ?1 and revokedAt is not null order by revokedAt", caId);
    }
}
