package dev.virtgate.agent.libvirt;

import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationRequested;
import org.jboss.logging.Logger;
import org.libvirt.Connect;
import org.libvirt.DomainJobStats;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;

import java.util.HashMap;
import java.util.Map;

/** The events that end a migration, and the libvirt job statistics they carry. */
public final class MigrationReports {
    private static final Logger LOG = Logger.getLogger(MigrationReports.class);
    private static final int JOB_STATS_COMPLETED = 1;

    private MigrationReports() {
    }

    /** {@code last}: the bytes processed and the job's elapsed ms of the last progress report. */
    static MigrationCompleted completed(MigrationRequested r, long wall, long[] last) {
        Long transferMs = last[1] > 0 ? last[1] : null;
        Long bytes = last[0] > 0 ? last[0] : null;
        Long downtime = null;
        // Completed-job statistics live with the guest, which is now on the destination.
        Connect dest = null;
        try {
            dest = new Connect(r.destinationUri(), LibvirtClient.fromAuthFileOnly(), 0);
            Map<String, String> s = stats(dest.domainLookupByName(r.vmName()).getJobStats(JOB_STATS_COMPLETED));
            if (num(s, "time_elapsed") > 0) {
                transferMs = num(s, "time_elapsed");
            }
            if (num(s, "data_processed") > 0) {
                bytes = num(s, "data_processed");
            }
            downtime = s.containsKey("downtime") ? num(s, "downtime") : null;
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("completed job stats unavailable for %s", r.migrationId());
        } finally {
            LibvirtClient.closeQuietly(dest);
        }
        Long throughput = bytes != null && transferMs != null && transferMs > 0 ? bytes * 1000 / transferMs : null;
        return new MigrationCompleted(r.migrationId(), r.vmName(), r.sourceHostId(), r.destinationHostId(), r.mode(),
                wall, transferMs, downtime, bytes, throughput);
    }

    public static MigrationFailed failed(MigrationRequested r, String reason, String libvirtError, Integer code,
            boolean cancelled) {
        String err = libvirtError == null ? null
                : libvirtError.length() > 4000 ? libvirtError.substring(0, 4000) : libvirtError;
        return new MigrationFailed(r.migrationId(), r.vmName(), r.sourceHostId(), r.destinationHostId(),
                reason.length() > 2000 ? reason.substring(0, 2000) : reason, err, code, cancelled);
    }

    static Map<String, String> stats(DomainJobStats stats) {
        Map<String, String> out = new HashMap<>();
        if (stats != null && stats.stats != null) {
            for (TypedParameter p : stats.stats) {
                out.put(p.field, p.getValueAsString());
            }
        }
        return out;
    }

    static long num(Map<String, String> s, String key) {
        try {
            return Math.max(0, Long.parseLong(s.getOrDefault(key, "0")));
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
