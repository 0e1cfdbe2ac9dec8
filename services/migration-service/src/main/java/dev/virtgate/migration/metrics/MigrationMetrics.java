package dev.virtgate.migration.metrics;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.migration.repository.MigrationState;
import dev.virtgate.support.tx.AfterCommit;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.Locale;

/**
 * Migrations as Prometheus sees them: {@code virtgate_migrations_total{mode, result}} (requested,
 * completed, failed, cancelled), {@code virtgate_migration_duration_seconds} (wall time of completed
 * migrations as the source agent measured it, by mode) and {@code virtgate_migrations_insecure_total{cluster,
 * mode, window}} (SASL_TUNNELLED or INSECURE requested, with whether the cluster's upgrade window was
 * open). Counted once the transaction that records the fact commits; every mode/result series
 * exists from the start at zero, so rates and alerts see the first one.
 */
@ApplicationScoped
public class MigrationMetrics {
    public static final String MIGRATIONS = "virtgate.migrations";
    public static final String DURATION = "virtgate.migration.duration";
    public static final String INSECURE = "virtgate.migrations.insecure";
    static final String REQUESTED = "requested";
    private static final MigrationMode[] WEAK_MODES = {MigrationMode.SASL_TUNNELLED, MigrationMode.INSECURE};

    @Inject
    MeterRegistry meters;

    @Inject
    AfterCommit afterCommit;

    void register(@Observes StartupEvent start) {
        for (MigrationMode mode : MigrationMode.values()) {
            counter(mode, REQUESTED);
            for (MigrationState state : MigrationState.values()) {
                if (state.terminal()) {
                    counter(mode, result(state));
                }
            }
            timer(mode);
        }
    }

    /** A migration command was stored (the caller's transaction has committed). */
    public void requested(MigrationMode mode, String clusterId, boolean windowOpen) {
        counter(mode, REQUESTED).increment();
        if (weak(mode)) {
            insecure(clusterId, mode, windowOpen).increment();
        }
    }

    /** Counted when the current transaction commits, with the final statistics of {@code m}. */
    public void finished(MigrationEntity m) {
        MigrationMode mode = m.mode;
        String result = result(m.state);
        Long wallMs = m.state == MigrationState.COMPLETED ? m.elapsedMs : null;
        afterCommit.run(() -> {
            counter(mode, result).increment();
            if (wallMs != null) {
                timer(mode).record(Duration.ofMillis(wallMs));
            }
        });
    }

    /** Makes the zero series of a cluster exist, so that an alert on their increase sees the first one. */
    public void knowCluster(String clusterId) {
        for (MigrationMode mode : WEAK_MODES) {
            insecure(clusterId, mode, true);
            insecure(clusterId, mode, false);
        }
    }

    public void forgetCluster(String clusterId) {
        meters.find(INSECURE).tag("cluster", clusterId).counters().forEach(meters::remove);
    }

    static boolean weak(MigrationMode mode) {
        return mode == MigrationMode.SASL_TUNNELLED || mode == MigrationMode.INSECURE;
    }

    private static String result(MigrationState state) {
        return state.name().toLowerCase(Locale.ROOT);
    }

    private Counter counter(MigrationMode mode, String result) {
        return Counter.builder(MIGRATIONS).tag("mode", mode.name()).tag("result", result)
                .description("migrations by mode and result").register(meters);
    }

    private Counter insecure(String clusterId, MigrationMode mode, boolean windowOpen) {
        return Counter.builder(INSECURE).tag("cluster", clusterId).tag("mode", mode.name())
                .tag("window", windowOpen ? "open" : "closed")
                .description("migrations requested without QEMU native or tunnelled TLS").register(meters);
    }

    private Timer timer(MigrationMode mode) {
        return Timer.builder(DURATION).tag("mode", mode.name())
                .description("wall time of completed live migrations, as the source agent measured it")
                .serviceLevelObjectives(Duration.ofSeconds(1), Duration.ofSeconds(5), Duration.ofSeconds(15),
                        Duration.ofSeconds(30), Duration.ofMinutes(1), Duration.ofMinutes(2), Duration.ofMinutes(5),
                        Duration.ofMinutes(10), Duration.ofMinutes(30), Duration.ofHours(1))
                .minimumExpectedValue(Duration.ofMillis(100)).maximumExpectedValue(Duration.ofHours(2))
                .register(meters);
    }
}
