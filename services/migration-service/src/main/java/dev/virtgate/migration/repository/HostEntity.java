package dev.virtgate.migration.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Convert;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import org.hibernate.annotations.DynamicUpdate;

import java.time.Instant;
import java.util.List;

/**
 * One registered hypervisor, kept current from the agents', PKI's and our own events. Consumers of
 * different topics update the same row concurrently: they lock it (SELECT ... FOR UPDATE) rather
 * than retry on a version conflict, which would park a valid event on the dead-letter topic.
 */
@Entity
@DynamicUpdate
@Table(name = "host")
public class HostEntity extends PanacheEntityBase {

    @Id
    @Column(length = 63)
    public String id;

    @Column(nullable = false, length = 63)
    public String clusterId;

    @Column(nullable = false, unique = true, length = 253)
    public String fqdn;

    @Convert(converter = StringListConverter.class)
    @Column(columnDefinition = "text")
    public List<String> dnsNames;

    @Convert(converter = StringListConverter.class)
    @Column(columnDefinition = "text")
    public List<String> managementAddresses;

    @Convert(converter = StringListConverter.class)
    @Column(columnDefinition = "text")
    public List<String> migrationAddresses;

    /** Public key the enrollment token seeds (EnrollmentKey); neither the token nor its hash is stored. */
    @Column(nullable = false, length = 128)
    public String enrollmentKey;

    /** SHA-256 (hex) of the first CSR key that proved the token: the token is bound to it for good. */
    @Column(length = 64)
    public String enrolledKeySha256;

    @Column(nullable = false)
    public Instant enrollmentTokenExpiresAt;

    @Column(nullable = false)
    public Instant registeredAt;

    @Column(nullable = false, length = 256)
    public String registeredBy;

    public Instant enrolledAt;
    public Instant decommissionedAt;

    /** HostCapabilities of the latest HostEnrolled, as JSON. */
    @Column(columnDefinition = "text")
    public String capabilitiesJson;

    @Column(length = 64)
    public String certSerial;
    public Instant certNotBefore;
    public Instant certNotAfter;
    /** The serial of the certificate the public stream already warned about (CertificateExpiring). */
    @Column(length = 64)
    public String certExpiryWarnedSerial;
    public Instant certRevokedAt;

    /** The certificate the current one replaced (renewal overlap): libvirtd may still run it. */
    @Column(length = 64)
    public String previousCertSerial;
    public Instant previousCertNotAfter;
    public Instant previousCertRevokedAt;

    @Column(length = 64)
    public String appliedCertSerial;
    public Integer credentialVersion;
    @Column(length = 16)
    public String credentialPhase;
    public boolean tlsListening;
    public boolean saslListening;
    public boolean nativeTlsMigration;
    /**
     * Parallel migration with TLS: HostCapabilities.multifdTls of HostEnrolled, then HostConfigured.multifdTls of
     * each newer report that carries it (agents older than that field leave enrolment's answer in force).
     */
    public boolean multifdTls;
    /**
     * Port of the agent's TLS_AGENT_PROXY listener: HostCapabilities.migrationProxyPort of HostEnrolled, then
     * HostConfigured.migrationProxyPort of each newer report (null there: not offered now); null: not offered.
     */
    public Integer migrationProxyPort;

    /** PostureCheck list of the latest HostConfigured, as JSON. */
    @Column(columnDefinition = "text")
    public String postureJson;
    public Boolean postureAllPass;
    @Column(length = 64)
    public String failedCheck;
    public Instant probedAt;

    public String migrationAddress() {
        return migrationAddresses == null || migrationAddresses.isEmpty() ? null : migrationAddresses.get(0);
    }
}
