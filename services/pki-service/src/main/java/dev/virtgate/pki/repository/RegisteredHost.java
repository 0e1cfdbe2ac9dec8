package dev.virtgate.pki.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * pki-service's own copy of a registered host: its names, the public key its one-time enrollment
 * token seeds (never the token), and the CSR key the token was bound to by the first enrollment.
 */
@Entity
@Table(name = "registered_host")
public class RegisteredHost extends PanacheEntityBase {

    @Id
    @Column(length = 63)
    public String hostId;

    @Column(nullable = false, length = 63)
    public String clusterId;

    @Column(nullable = false, length = 253)
    public String fqdn;

    /** Comma-separated, lower case. */
    @Column(nullable = false, columnDefinition = "text")
    public String dnsNames;

    /** Comma-separated, canonical text form; management and migration networks. */
    @Column(nullable = false, columnDefinition = "text")
    public String ipAddresses;

    /** From HostRegistered: base64url Ed25519 public key; enrollment proofs must verify with it. */
    @Column(nullable = false, length = 128)
    public String enrollmentKey;

    @Column(nullable = false)
    public Instant tokenExpiresAt;

    /** Set by the first issuance that proved the token; the token is worthless afterwards. */
    public Instant tokenUsedAt;

    /** SHA-256 (hex) of the SubjectPublicKeyInfo of the CSR key the token was bound to, or null. */
    @Column(length = 64)
    public String enrolledKeySha256;

    public Instant decommissionedAt;

    @Column(nullable = false)
    public Instant registeredAt;

    public List<String> dnsNameList() {
        return split(dnsNames);
    }

    public List<String> ipAddressList() {
        return split(ipAddresses);
    }

    private static List<String> split(String joined) {
        return joined == null || joined.isBlank() ? List.of() : Arrays.asList(joined.split(","));
    }
}
