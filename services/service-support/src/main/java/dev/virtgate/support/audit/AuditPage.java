package dev.virtgate.support.audit;

import java.util.List;

/** A page of the audit trail: {@code total} counts every matching row, not only this page's. */
public record AuditPage(List<AuditView> items, int page, int size, long total) {
}
