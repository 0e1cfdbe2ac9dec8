package dev.virtgate.pki.repository;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The latest CRL of one CA. */
@Entity
@Table(name = "crl")
public class CrlRecord extends PanacheEntityBase {

    @Id
    public Long caId;

    @Column(nullable = false)
    public long crlNumber;

    @Column(nullable = false, columnDefinition = "text")
    public String crlPem;

    @Column(nullable = false)
    public Instant thisUpdate;

    @Column(nullable = false)
    public Instant nextUpdate;
}
