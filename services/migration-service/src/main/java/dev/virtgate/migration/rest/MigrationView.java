package dev.virtgate.migration.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.migration.repository.MigrationState;

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
        List<String> reasons,
        String requestedBy,
        Instant requestedAt,
        Instant cancelRequestedAt,
        Progress progress,
        String failureReason,
        Instant finishedAt) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Progress(Long elapsedMs, Long dataTotalBytes, Long dataProcessedBytes, Long dataRemainingBytes,
            Long memoryBytesPerSecond, Integer percent, Long downtimeMs) {
    }

    public static MigrationView of(MigrationEntity m) {
        Progress progress = m.elapsedMs == null && m.downtimeMs == null ? null
                : new Progress(m.elapsedMs, m.dataTotalBytes, m.dataProcessedBytes, m.dataRemainingBytes,
                        m.memoryBytesPerSecond, percent(m), m.downtimeMs);
        return new MigrationView(m.id, m.vmName, m.clusterId, m.sourceHostId, m.destinationHostId, m.bandwidthMiBps,
                m.state, m.mode, m.destinationUri, m.flags, m.parameters, m.reasons, m.requestedBy, m.requestedAt,
                m.cancelRequestedAt, progress, m.failureReason, m.finishedAt);
    }

    private static Integer percent(MigrationEntity m) {
        if (m.dataTotalBytes == null || m.dataTotalBytes <= 0 || m.dataProcessedBytes == null) {
            return null;
        }
        return (int) Math.min(100, m.dataProcessedBytes * 100 / m.dataTotalBytes);
    }
}
