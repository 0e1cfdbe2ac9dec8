package dev.virtgate.pki.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/** pki-service's own copy of a registered host: its names and its enrollment token's hash. */
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

    @Column(nullable = false, length = 64)
    public String tokenSha256;

    @Column(nullable = false)
    public Instant tokenExpiresAt;

    /** Set by the first issuance that presented the token; the token is worthless afterwards. */
    public Instant tokenUsedAt;

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
