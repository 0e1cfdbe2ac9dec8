package dev.virtgate.support.audit;

import java.time.Instant;
import java.util.UUID;

/** One audit row as {@code GET /v1/audit} answers it; null fields are answered as null. */
public record AuditView(UUID id, Instant at, String service, String actor, String action, String target, String host,
        String cluster, String sourceAddress, String outcome, String detail, String mode) {

    static AuditView of(AuditRecord r) {
        return new AuditView(r.id, r.recordedAt, r.service, r.actor, r.action, r.target, r.host, r.cluster,
                r.sourceAddress, r.outcome, r.detail, r.mode);
    }
}
