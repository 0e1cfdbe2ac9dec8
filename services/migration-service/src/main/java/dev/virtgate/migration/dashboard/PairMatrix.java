package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.migration.negotiation.HostState;
import dev.virtgate.migration.negotiation.MigrationPlan;
import dev.virtgate.migration.negotiation.Negotiator;
import io.quarkus.qute.TemplateData;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The mode the negotiator would choose for every source/destination pair of one cluster's active
 * hosts, as {@code POST /v1/migrations/plan} would answer it. At most {@link #CAP} hosts a side: a
 * larger cluster shows its first {@code CAP} hosts (by id) and says so.
 */
@TemplateData
public record PairMatrix(String clusterId, List<String> hostIds, List<Row> rows, int totalHosts, boolean capped) {
    public static final int CAP = 15;

    @TemplateData
    public record Row(String sourceHostId, List<Cell> cells) {
    }

    /** One pair: the mode or "refused", the reasons (shown on demand), and a CSS class by strength. */
    @TemplateData
    public record Cell(String sourceHostId, String destinationHostId, String label, String css, String reasons) {
        public boolean self() {
            return sourceHostId.equals(destinationHostId);
        }
    }

    /** {@code hosts} are the cluster's active hosts ordered by id; {@code totalHosts} counts them all. */
    public static PairMatrix of(String clusterId, List<HostState> hosts, long totalHosts, ClusterPolicy policy,
            Negotiator negotiator, Instant now) {
        List<HostState> shown = hosts.size() > CAP ? hosts.subList(0, CAP) : hosts;
        List<Row> rows = new ArrayList<>();
        for (HostState source : shown) {
            List<Cell> cells = new ArrayList<>();
            for (HostState destination : shown) {
                cells.add(source.hostId().equals(destination.hostId())
                        ? new Cell(source.hostId(), destination.hostId(), "", "self", "")
                        : cell(source, destination, negotiator.negotiate(source, destination, policy, now, null)));
            }
            rows.add(new Row(source.hostId(), cells));
        }
        return new PairMatrix(clusterId, shown.stream().map(HostState::hostId).toList(), rows, (int) totalHosts,
                totalHosts > shown.size());
    }

    private static Cell cell(HostState source, HostState destination, MigrationPlan plan) {
        String label = plan.allowed() ? plan.mode().name() : "refused";
        String css = !plan.allowed() ? "mode-refused" : switch (plan.mode()) {
            case TLS_NATIVE, TLS_AGENT_PROXY, TLS_TUNNELLED -> "mode-tls";
            case SASL_TUNNELLED -> "mode-sasl";
            case INSECURE -> "mode-insecure";
        };
        return new Cell(source.hostId(), destination.hostId(), label, css, String.join("; ", plan.reasons()));
    }
}
