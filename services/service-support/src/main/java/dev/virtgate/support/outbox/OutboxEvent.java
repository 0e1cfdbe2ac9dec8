package dev.virtgate.support.outbox;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.SequenceGenerator;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/** An event waiting to be relayed to Kafka, written in the same transaction as the state change. */
@Entity
@Table(name = "outbox_event", indexes = @Index(name = "outbox_event_pending", columnList = "publishedAt,id"))
public class OutboxEvent extends PanacheEntityBase {

    @Id
    @GeneratedValue(strategy = GenerationType.SEQUENCE, generator = "outbox_event_seq")
    @SequenceGenerator(name = "outbox_event_seq", sequenceName = "outbox_event_seq", allocationSize = 50)
    public Long id;

    @Column(nullable = false, unique = true)
    public UUID eventId;

    @Column(nullable = false, length = 128)
    public String topic;

    @Column(nullable = false, length = 128)
    public String recordKey;

    @Column(nullable = false, length = 128)
    public String ceType;

    @Column(nullable = false, length = 256)
    public String ceSource;

    @Column(nullable = false)
    public Instant ceTime;

    @Column(nullable = false, columnDefinition = "text")
    public String payload;

    /** Transit's {@code vault:vN:...} signature over the event's signing input. */
    @Column(length = 256)
    public String signature;

    public Instant publishedAt;

    public int attempts;
}
