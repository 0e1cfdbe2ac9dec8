package dev.virtgate.migration.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.migration.repository.MigrationState;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;
import java.util.Map;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record MigrationView(
        String id,
        String vmName,
        String clusterId,
        String sourceHostId,
        String destinationHostId,
        Integer bandwidthMiBps,
        MigrationState state,
        MigrationMode mode,
        String destinationUri,
        List<String> flags,
        Map<String, String> parameters,
        ProxyRouteView proxyRoute,
        List<String> reasons,
        String requestedBy,
        Instant requestedAt,
        Instant cancelRequestedAt,
        Progress progress,
        String failureReason,
        Instant finishedAt) {

    /** The latest job statistics of the migration, as its source agent reported them about once a second. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    @Schema(description = "Job statistics of the migration, as its source agent reports them about once a second "
            + "while it runs (libvirt's job stats), then the final ones once it completed. A report that arrives "
            + "after a newer one (lower elapsedMs) is ignored.")
    public record Progress(
            @Schema(description = "bytesProcessed / bytesTotal, 0 to 100; 100 once completed. Memory the guest "
                    + "dirtied is sent again, so it can stay high while bytesRemaining shrinks", minimum = "0",
                    maximum = "100")
            Integer percent,
            @Schema(description = "Bytes sent so far (libvirt's data_processed)")
            Long bytesProcessed,
            @Schema(description = "Bytes to send (libvirt's data_total); once completed, the bytes sent")
            Long bytesTotal,
            @Schema(description = "Bytes still to send (libvirt's data_remaining)")
            Long bytesRemaining,
            @Schema(description = "Memory transfer rate in bytes per second (libvirt's memory_bps); once "
                    + "completed, the average throughput")
            Long rateBytesPerSecond,
            @Schema(description = "Milliseconds since the agent started the migration; once completed, the wall time")
            Long elapsedMs,
            @Schema(description = "When this service recorded these statistics")
            Instant updatedAt,
            @Schema(description = "How long the guest was paused for the switch-over (libvirt's downtime), in "
                    + "milliseconds; only once completed, and only when libvirt reported it")
            Long downtimeMs) {
    }

    public static MigrationView of(MigrationEntity m) {
        Progress progress = m.elapsedMs == null && m.downtimeMs == null ? null
                : new Progress(percent(m), m.dataProcessedBytes, m.dataTotalBytes, m.dataRemainingBytes,
                        m.memoryBytesPerSecond, m.elapsedMs, m.progressAt != null ? m.progressAt : m.updatedAt,
                        m.downtimeMs);
        return new MigrationView(m.id, m.vmName, m.clusterId, m.sourceHostId, m.destinationHostId, m.bandwidthMiBps,
                m.state, m.mode, m.destinationUri, m.flags, m.parameters, ProxyRouteView.of(m.proxyRoute()), m.reasons, m.requestedBy, m.requestedAt,
                m.cancelRequestedAt, progress, m.failureReason, m.finishedAt);
    }

    private static Integer percent(MigrationEntity m) {
        if (m.state == MigrationState.COMPLETED) {
            return 100;
        }
        if (m.dataTotalBytes == null || m.dataTotalBytes <= 0 || m.dataProcessedBytes == null) {
            return null;
        }
        int percent = (int) Math.min(100, m.dataProcessedBytes * 100 / m.dataTotalBytes);
        // 100 means done: while bytes remain, the job has not switched over yet.
        return m.dataRemainingBytes != null && m.dataRemainingBytes > 0 ? Math.min(99, percent) : percent;
    }
}
