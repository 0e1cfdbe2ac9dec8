package dev.virtgate.migration.service;

import dev.virtgate.migration.metrics.MigrationMetrics;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.migration.repository.MigrationState;
import dev.virtgate.support.inbox.ReceivedEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;

/**
 * Progress and outcome of migrations as their source agent reports them. The authorization table
 * already proved that the signer is the host the event names as source; here that host must also
 * be the source this service sent the command to, or the report is refused: a host cannot finish,
 * fail or release the VM lock of a migration that is not its own.
 */
@ApplicationScoped
public class MigrationResults {
    private static final Logger LOG = Logger.getLogger(MigrationResults.class);

    @Inject
    MigrationConfig config;

    @Inject
    Refusals refusals;

    @Inject
    MigrationMetrics metrics;

    @Inject
    PublicEvents publicEvents;

    public void apply(MigrationProgress event, ReceivedEvent received) {
        MigrationEntity m = fromItsSource(event.migrationId(), event.sourceHostId(), received);
        if (m == null || m.state.terminal()) {
            return;
        }
        Instant now = Instant.now();
        if (m.state != MigrationState.RUNNING) {
            m.state = MigrationState.RUNNING;
            publicEvents.migrationChanged(m, now);
        }
        m.updatedAt = now;
        if (olderThanRecorded(event, m)) {
            LOG.debugf("progress of migration %s at %d ms arrived after the one at %d ms: kept the newer",
                    m.id, event.elapsedMs(), m.elapsedMs);
            return;
        }
        m.elapsedMs = event.elapsedMs();
        m.dataTotalBytes = event.dataTotalBytes();
        m.dataProcessedBytes = event.dataProcessedBytes();
        m.dataRemainingBytes = event.dataRemainingBytes();
        m.memoryBytesPerSecond = event.memoryBytesPerSecond();
        m.progressAt = now;
    }

    /**
     * A report the bus delivered late (a redelivery, a retried send): the agent's elapsed time since the
     * start of the job only grows, and so does libvirt's data_processed, so a lower one is older.
     */
    static boolean olderThanRecorded(MigrationProgress event, MigrationEntity m) {
        if (m.elapsedMs == null) {
            return false;
        }
        if (event.elapsedMs() != m.elapsedMs) {
            return event.elapsedMs() < m.elapsedMs;
        }
        return m.dataProcessedBytes != null && event.dataProcessedBytes() < m.dataProcessedBytes;
    }

    public void apply(MigrationCompleted event, ReceivedEvent received) {
        MigrationEntity m = fromItsSource(event.migrationId(), event.sourceHostId(), received);
        if (m == null || m.state.terminal()) {
            return;
        }
        m.elapsedMs = event.wallTimeMs();
        m.downtimeMs = event.downtimeMs();
        if (event.transferredBytes() != null) {
            m.dataProcessedBytes = event.transferredBytes();
            m.dataTotalBytes = event.transferredBytes();
            m.dataRemainingBytes = 0L;
        }
        if (event.throughputBytesPerSecond() != null) {
            m.memoryBytesPerSecond = event.throughputBytesPerSecond();
        }
        Instant now = Instant.now();
        m.progressAt = now;
        m.finish(MigrationState.COMPLETED, now);
        metrics.finished(m);
        publicEvents.migrationChanged(m, now);
    }

    public void apply(MigrationFailed event, ReceivedEvent received) {
        MigrationEntity m = fromItsSource(event.migrationId(), event.sourceHostId(), received);
        if (m == null || m.state.terminal()) {
            return;
        }
        m.failureReason = event.libvirtError() == null ? event.reason() : event.reason() + ": " + event.libvirtError();
        m.finish(event.cancelled() ? MigrationState.CANCELLED : MigrationState.FAILED, Instant.now());
        metrics.finished(m);
        publicEvents.migrationChanged(m, m.finishedAt);
    }

    /** A command no agent took up before it expired will never run: free the VM for another attempt. */
    @Scheduled(every = "${virtgate.migration.sweep-interval:30s}", delayed = "10s")
    @Transactional
    void failUnanswered() {
        Instant now = Instant.now();
        List<MigrationEntity> stale = MigrationEntity.list("state = ?1 and commandNotAfter < ?2",
                MigrationState.REQUESTED, now.minus(config.unansweredGrace()));
        for (MigrationEntity m : stale) {
            m.failureReason = "no agent took up the command before it expired";
            m.finish(MigrationState.FAILED, now);
            metrics.finished(m);
            publicEvents.migrationChanged(m, now);
            LOG.warnf("migration %s (vm %s) failed: command expired unanswered", m.id, m.vmName);
        }
    }

    private MigrationEntity fromItsSource(String id, String sourceHostId, ReceivedEvent received) {
        MigrationEntity m = MigrationEntity.findById(id, LockModeType.PESSIMISTIC_WRITE);
        if (m == null) {
            LOG.warnf("result for unknown migration %s: ignored", id);
            return null;
        }
        String signer = received.producer().name();
        if (!m.sourceHostId.equals(sourceHostId) || !m.sourceHostId.equals(signer)) {
            throw refusals.refuse(received, "migration " + id + " runs from host " + m.sourceHostId
                    + ", not from host " + signer);
        }
        return m;
    }
}
