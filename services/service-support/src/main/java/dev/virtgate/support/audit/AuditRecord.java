package dev.virtgate.support.audit;

import io.quarkus.hibernate.orm.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;

import java.time.Instant;
import java.util.UUID;

/**
 * One operator action as stored: who, what, when, from where and the outcome. Accepted actions are
 * written in the action's own transaction, refused ones in a transaction of their own (AuditRecorder).
 */
@Entity
@Table(name = "audit_record", indexes = {
        @Index(name = "audit_record_at", columnList = "recordedAt,id"),
        @Index(name = "audit_record_actor", columnList = "actor,recordedAt"),
        @Index(name = "audit_record_host", columnList = "host,recordedAt"),
        @Index(name = "audit_record_action", columnList = "action,recordedAt")})
public class AuditRecord extends PanacheEntityBase {
    public static final int ACTOR_LENGTH = 512;
    public static final int TARGET_LENGTH = 256;
    public static final int DETAIL_LENGTH = 1000;

    @Id
    public UUID id;

    @Column(nullable = false)
    public Instant recordedAt;

    @Column(nullable = false, length = 64)
    public String service;

    @Column(nullable = false, length = ACTOR_LENGTH)
    public String actor;

    @Column(nullable = false, length = 64)
    public String action;

    @Column(length = TARGET_LENGTH)
    public String target;

    @Column(length = 128)
    public String host;

    @Column(length = 128)
    public String cluster;

    @Column(length = 64)
    public String sourceAddress;

    @Column(nullable = false, length = 16)
    public String outcome;

    @Column(length = DETAIL_LENGTH)
    public String detail;

    @Column(length = 32)
    public String mode;
}
