package dev.virtgate.migration.metrics;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code virtgate_host_posture_failing{host, cluster, check}}: one series per check the host's agent
 * last reported, 1 while it FAILs, 0 otherwise. Read from the registry on a timer
 * ({@code virtgate.metrics.refresh-interval}), so every instance shows the same and a decommissioned
 * host's series disappear. The same pass keeps the zero series of {@link MigrationMetrics#INSECURE}
 * for every cluster with an active host.
 */
@ApplicationScoped
public class PostureMetrics {
    public static final String POSTURE = "virtgate.host.posture.failing";
    private static final Logger LOG = Logger.getLogger(PostureMetrics.class);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();
    private static final TypeReference<List<PostureCheck>> CHECKS = new TypeReference<>() {
    };

    @Inject
    MeterRegistry meters;

    @Inject
    MigrationMetrics migrations;

    @Inject
    EntityManager em;

    private MultiGauge posture;
    /** The rows' values: held here, since gauges only keep weak references. */
    private volatile List<MultiGauge.Row<?>> rows = List.of();
    private Set<String> clusters = Set.of();

    void register(@Observes StartupEvent start) {
        posture = MultiGauge.builder(POSTURE)
                .description("1 while the host's agent reports this posture check as FAIL, 0 otherwise")
                .register(meters);
    }

    @Scheduled(every = "${virtgate.metrics.refresh-interval:15s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void refresh() {
        List<MultiGauge.Row<?>> next = new ArrayList<>();
        Set<String> active = new HashSet<>();
        // a projection: id, cluster and the posture JSON of each active host, nothing else
        List<Object[]> hosts = em.createQuery("select h.id, h.clusterId, h.postureJson from HostEntity h"
                + " where h.decommissionedAt is null", Object[].class).getResultList();
        for (Object[] host : hosts) {
            String id = (String) host[0];
            String cluster = (String) host[1];
            active.add(cluster);
            for (PostureCheck check : checks(id, (String) host[2])) {
                Tags tags = Tags.of("host", id, "cluster", cluster, "check", check.name());
                next.add(MultiGauge.Row.of(tags, check.status() == CheckStatus.FAIL ? 1 : 0));
            }
        }
        rows = next;
        posture.register(next, true);
        active.forEach(migrations::knowCluster);
        clusters.stream().filter(c -> !active.contains(c)).forEach(migrations::forgetCluster);
        clusters = active;
    }

    private static List<PostureCheck> checks(String hostId, String postureJson) {
        if (postureJson == null) {
            return List.of();
        }
        try {
            List<PostureCheck> checks = JSON.readValue(postureJson, CHECKS);
            return checks == null ? List.of() : checks;
        } catch (Exception e) {
            LOG.warnf("posture of host %s is not readable: %s", hostId, e.getMessage());
            return List.of();
        }
    }
}
