package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.negotiation.Negotiator;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.migration.service.HostRegistry;
import dev.virtgate.migration.service.PolicyService;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import io.quarkus.qute.TemplateData;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.List;

/** What the dashboard reads from the registry, one page or one cluster at a time (never the whole fleet). */
@ApplicationScoped
public class FleetReads {
    public static final int HOSTS_PER_PAGE = 50;
    static final int MAX_CLUSTERS = 500;

    @Inject
    HostRegistry registry;

    @Inject
    PolicyService policies;

    @Inject
    MigrationConfig config;

    /** One page of the host table, and how many hosts match in all. */
    @TemplateData
    public record HostPage(String clusterId, List<HostRow> rows, int page, long total, int pages) {
        public boolean hasPrevious() {
            return page > 0;
        }

        public boolean hasNext() {
            return page + 1 < pages;
        }

        public int first() {
            return total == 0 ? 0 : page * HOSTS_PER_PAGE + 1;
        }

        public long last() {
            return Math.min(total, (long) (page + 1) * HOSTS_PER_PAGE);
        }
    }

    public List<String> clusters() {
        return HostEntity.getEntityManager()
                .createQuery("select distinct h.clusterId from HostEntity h order by h.clusterId", String.class)
                .setMaxResults(MAX_CLUSTERS).getResultList();
    }

    public HostPage hosts(String clusterId, int page) {
        PanacheQuery<HostEntity> query = clusterId == null ? HostEntity.find("order by id")
                : HostEntity.find("clusterId = ?1 order by id", clusterId);
        long total = query.count();
        int pages = (int) Math.max(1, (total + HOSTS_PER_PAGE - 1) / HOSTS_PER_PAGE);
        int shown = Math.min(page, pages - 1);
        Instant now = Instant.now();
        List<HostRow> rows = query.page(shown, HOSTS_PER_PAGE).list().stream()
                .map(h -> HostRow.of(registry.view(h, now), now)).toList();
        return new HostPage(clusterId, rows, shown, total, pages);
    }

    public PairMatrix matrix(String clusterId) {
        PanacheQuery<HostEntity> active = HostEntity.find("clusterId = ?1 and decommissionedAt is null order by id",
                clusterId);
        long total = active.count();
        List<HostEntity> hosts = active.page(0, PairMatrix.CAP).list();
        return PairMatrix.of(clusterId, hosts.stream().map(HostRegistry::state).toList(), total,
                policies.policyOf(clusterId), new Negotiator(config.postureMaxAge()), Instant.now());
    }
}
