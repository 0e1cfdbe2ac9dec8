package dev.virtgate.support.audit;

import io.quarkus.panache.common.Parameters;
import io.quarkus.panache.common.Sort;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;

import java.util.List;

/** Reads the audit trail: the rows matching a query, newest first, one page at a time. */
@ApplicationScoped
public class AuditLog {

    @Transactional(Transactional.TxType.SUPPORTS)
    public AuditPage search(AuditQuery query) {
        StringBuilder where = new StringBuilder("1 = 1");
        Parameters params = new Parameters();
        if (query.actor() != null) {
            where.append(" and actor = :actor");
            params.and("actor", query.actor());
        }
        if (query.action() != null) {
            where.append(" and action = :action");
            params.and("action", query.action());
        }
        if (query.host() != null) {
            where.append(" and host = :host");
            params.and("host", query.host());
        }
        if (query.since() != null) {
            where.append(" and recordedAt >= :since");
            params.and("since", query.since());
        }
        if (query.until() != null) {
            where.append(" and recordedAt < :until");
            params.and("until", query.until());
        }
        long total = AuditRecord.count(where.toString(), params);
        List<AuditView> items = AuditRecord.<AuditRecord>find(where.toString(),
                        Sort.descending("recordedAt").and("id", Sort.Direction.Descending), params)
                .page(query.page(), query.size()).list().stream().map(AuditView::of).toList();
        return new AuditPage(items, query.page(), query.size(), total);
    }
}
