package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.rest.MigrationView;
import io.quarkus.qute.TemplateData;

/** One migration with its progress bar, built from the API's own {@link MigrationView}. */
@TemplateData
public record MigrationRow(String id, String vmName, String clusterId, String sourceHostId, String destinationHostId,
        String state, String mode, Integer percent, String rateText, String detail, boolean active) {

    public static MigrationRow of(MigrationView m) {
        MigrationView.Progress p = m.progress();
        boolean active = !m.state().terminal();
        String rate = p == null || p.rateBytesPerSecond() == null ? "" : mib(p.rateBytesPerSecond()) + " MiB/s";
        String detail = m.failureReason() != null ? m.failureReason()
                : m.cancelRequestedAt() != null && active ? "cancellation requested" : "";
        return new MigrationRow(m.id(), m.vmName(), m.clusterId(), m.sourceHostId(), m.destinationHostId(),
                m.state().name(), m.mode() == null ? "" : m.mode().name(), p == null ? null : p.percent(), rate,
                detail, active);
    }

    /** Only a migration still under way can be cancelled, and only once. */
    public boolean cancellable() {
        return active && !"cancellation requested".equals(detail);
    }

    private static String mib(long bytesPerSecond) {
        return String.format(java.util.Locale.ROOT, "%.1f", bytesPerSecond / 1048576.0);
    }
}
