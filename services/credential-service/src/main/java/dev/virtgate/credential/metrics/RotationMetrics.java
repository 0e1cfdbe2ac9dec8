package dev.virtgate.credential.metrics;

import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.credential.repository.ClusterCredential;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Each cluster's credential rotation, read from the table on a timer
 * ({@code virtgate.metrics.refresh-interval}):
 * {@code virtgate_credential_rotation_phase{cluster, phase}} (1 for the current phase, 0 for the
 * others), {@code virtgate_credential_rotation_in_progress{cluster}} (1 from STAGED until the old
 * version is RETIRED) and {@code virtgate_credential_rotation_phase_age_seconds{cluster}} (since the
 * current phase began, computed at scrape time), so that a rotation stuck in a phase can alert.
 */
@ApplicationScoped
public class RotationMetrics {
    public static final String PHASE = "virtgate.credential.rotation.phase";
    public static final String IN_PROGRESS = "virtgate.credential.rotation.in.progress";
    public static final String PHASE_AGE = "virtgate.credential.rotation.phase.age";

    @Inject
    MeterRegistry meters;

    private MultiGauge phase;
    private MultiGauge inProgress;
    private MultiGauge phaseAge;
    /** The rows' values: held here, since gauges only keep weak references. */
    private volatile List<MultiGauge.Row<?>> rows = List.of();

    void register(@Observes StartupEvent start) {
        phase = MultiGauge.builder(PHASE).description("1 for the cluster credential's current phase").register(meters);
        inProgress = MultiGauge.builder(IN_PROGRESS)
                .description("1 while a rotation is under way (STAGED, or ACTIVE with the old version not yet RETIRED)")
                .register(meters);
        phaseAge = MultiGauge.builder(PHASE_AGE).baseUnit("seconds")
                .description("time since the cluster credential entered its current phase").register(meters);
    }

    @Scheduled(every = "${virtgate.metrics.refresh-interval:15s}", delayed = "1s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void refresh() {
        List<MultiGauge.Row<?>> phases = new ArrayList<>();
        List<MultiGauge.Row<?>> progress = new ArrayList<>();
        List<MultiGauge.Row<?>> ages = new ArrayList<>();
        for (ClusterCredential c : ClusterCredential.<ClusterCredential>listAll()) {
            if (c.phase == null) {
                continue;
            }
            for (CredentialPhase p : CredentialPhase.values()) {
                phases.add(MultiGauge.Row.of(Tags.of("cluster", c.clusterId, "phase", p.name()), p == c.phase ? 1 : 0));
            }
            progress.add(MultiGauge.Row.of(Tags.of("cluster", c.clusterId), c.state().idle() ? 0 : 1));
            Instant entered = c.phaseEnteredAt != null ? c.phaseEnteredAt : c.createdAt;
            ages.add(MultiGauge.Row.of(Tags.of("cluster", c.clusterId), entered, RotationMetrics::secondsSince));
        }
        List<MultiGauge.Row<?>> all = new ArrayList<>(phases);
        all.addAll(progress);
        all.addAll(ages);
        rows = all;
        phase.register(phases, true);
        inProgress.register(progress, true);
        phaseAge.register(ages, true);
    }

    private static double secondsSince(Instant entered) {
        return Math.max(0, Duration.between(entered, Instant.now()).toMillis() / 1000.0);
    }
}
