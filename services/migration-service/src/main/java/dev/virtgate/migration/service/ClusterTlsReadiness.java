package dev.virtgate.migration.service;

import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.negotiation.Negotiator;
import dev.virtgate.migration.repository.ClusterTlsReadinessEntity;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * Whether every active host of a cluster can take a native-TLS migration, announced to the agents
 * as ClusterTlsReadinessChanged whenever the answer or its counts change (Nova's
 * {@code live_migration_with_native_tls} follows it). Recomputed in the transaction of every
 * registry change, and on a timer, since a posture going stale or a certificate expiring changes
 * the answer without any event.
 */
@ApplicationScoped
public class ClusterTlsReadiness {
    private static final Logger LOG = Logger.getLogger(ClusterTlsReadiness.class);

    @Inject
    OutboxWriter outbox;

    @Inject
    MigrationConfig config;

    /** Whether this host, as the registry knows it now, can take a native-TLS migration. */
    public boolean canMigrateNatively(HostEntity host) {
        return canMigrateNatively(host, new Negotiator(config.postureMaxAge()), Instant.now());
    }

    /**
     * After an event changed one host: the cluster is recomputed only when that host's own answer
     * changed. Agents report every minute, and a report that changes nothing must not scan the
     * cluster's hosts nor wait for its row lock (the timer still catches what time alone changes).
     */
    @Transactional(Transactional.TxType.MANDATORY)
    public void afterHostChange(HostEntity host, boolean couldBefore) {
        if (couldBefore != canMigrateNatively(host)) {
            recompute(host.clusterId);
        }
    }

    /** Recomputes one cluster inside the caller's transaction; sends an event only when something changed. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void recompute(String clusterId) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.MICROS);
        Negotiator negotiator = new Negotiator(config.postureMaxAge());
        List<HostEntity> active = HostEntity.list("clusterId = ?1 and decommissionedAt is null", clusterId);
        int ready = (int) active.stream().filter(h -> canMigrateNatively(h, negotiator, now)).count();
        boolean everywhere = !active.isEmpty() && ready == active.size();
        // two first registrations of a cluster at once must not both insert: create the row, then lock it
        ClusterTlsReadinessEntity.getEntityManager().createNativeQuery("insert into cluster_tls_readiness"
                + " (clusterId, nativeTlsEverywhere, hosts, nativeTlsHosts, revision, changedAt)"
                + " values (?1, false, 0, 0, 0, ?2) on conflict do nothing")
                .setParameter(1, clusterId).setParameter(2, now).executeUpdate();
        ClusterTlsReadinessEntity row = ClusterTlsReadinessEntity.findById(clusterId, LockModeType.PESSIMISTIC_WRITE);
        if (row.revision > 0 && row.nativeTlsEverywhere == everywhere && row.hosts == active.size()
                && row.nativeTlsHosts == ready) {
            return;
        }
        row.nativeTlsEverywhere = everywhere;
        row.hosts = active.size();
        row.nativeTlsHosts = ready;
        row.revision = row.revision + 1;
        row.changedAt = now;
        row.persist();
        outbox.write(row.toEvent());
        LOG.infof("cluster %s: %d of %d active hosts can migrate over native TLS (revision %d)", clusterId, ready,
                active.size(), row.revision);
    }

    private static boolean canMigrateNatively(HostEntity h, Negotiator negotiator, Instant now) {
        return h.decommissionedAt == null && h.nativeTlsMigration
                && negotiator.tlsProblems("host", HostRegistry.state(h), now).isEmpty();
    }

    @Scheduled(every = "${virtgate.migration.readiness-interval:60s}", delayed = "30s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void sweep() {
        HostEntity.<HostEntity>find("decommissionedAt is null").stream().map(h -> h.clusterId).distinct()
                .forEach(this::recompute);
        ClusterTlsReadinessEntity.<ClusterTlsReadinessEntity>listAll().stream()
                .filter(r -> r.hosts > 0).map(r -> r.clusterId).forEach(this::recompute);
    }
}
