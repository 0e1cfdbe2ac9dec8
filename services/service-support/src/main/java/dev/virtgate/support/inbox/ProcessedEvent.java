package dev.virtgate.support.inbox;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

import java.time.Instant;

/** The processed-event log that makes consumers idempotent: one row per (consumer, ce_id). */
@Entity
@Table(name = "processed_event")
public class ProcessedEvent extends PanacheEntityBase {

    /** {@code <consumer>/<ce_id>}. */
    @Id
    @Column(length = 300)
    public String id;

    @Column(nullable = false, length = 128)
    public String ceType;

    @Column(nullable = false)
    public Instant processedAt;
}
