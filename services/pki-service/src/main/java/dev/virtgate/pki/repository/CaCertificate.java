package dev.virtgate.pki.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** One CA certificate, tied to the Transit key version holding its private key. */
@Entity
@Table(name = "ca_certificate")
public class CaCertificate extends PanacheEntityBase {

    public enum Status {
        /** Intermediate mode: CSR exported, waiting for the operator to import the signed certificate. */
        PENDING,
        /** In the CA bundle; the newest ACTIVE one signs new leaves. */
        ACTIVE,
        /** Rotated out: no longer in the bundle. */
        RETIRED
    }

    @Id
    @GeneratedValue(strategy = GenerationType.IDENTITY)
    public Long id;

    @Column(nullable = false)
    public String keyName;

    @Column(nullable = false)
    public int keyVersion;

    @Column(nullable = false, length = 16)
    public String keyType;

    @Enumerated(EnumType.STRING)
    @Column(nullable = false, length = 16)
    public Status status;

    /** Null while PENDING. */
    public String serial;

    @Column(columnDefinition = "text")
    public String certificatePem;

    /** Intermediate mode: the certificates above this one, PEM, leaf-most first. */
    @Column(columnDefinition = "text")
    public String chainPem;

    @Column(columnDefinition = "text")
    public String csrPem;

    @Column(nullable = false)
    public Instant createdAt;

    public Instant notAfter;
    public Instant retiredAt;

    /** The CA that signs new certificates: the newest ACTIVE one. */
    public static Optional<CaCertificate> current() {
        return find("status = ?1 order by id desc", Status.ACTIVE).firstResultOptional();
    }

    public static List<CaCertificate> active() {
        return list("status = ?1 order by id", Status.ACTIVE);
    }

    public static Optional<CaCertificate> pending() {
        return find("status = ?1 order by id desc", Status.PENDING).firstResultOptional();
    }
}
