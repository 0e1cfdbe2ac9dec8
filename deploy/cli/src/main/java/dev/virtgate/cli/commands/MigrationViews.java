package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.output.Formats;
import dev.virtgate.cli.output.Table;

import java.util.Map;
import java.util.Set;

import static dev.virtgate.cli.output.Formats.text;

/** How a migration (GET /v1/migrations/{id}) reads on a terminal. */
final class MigrationViews {
    static final Set<String> ENDED = Set.of("COMPLETED", "FAILED", "CANCELLED");

    private MigrationViews() {
    }

    static Table table(JsonNode migrations) {
        return new Table("id", "vm", "source", "destination", "state", "mode", "requested at", "requested by")
                .rowsOf(migrations, "id", "vmName", "sourceHostId", "destinationHostId", "state", "mode", "requestedAt",
                        "requestedBy");
    }

    static Map<String, String> fields(JsonNode m) {
        Map<String, String> fields = Formats.fields(m, "id", "vmName", "clusterId", "sourceHostId", "destinationHostId", "state", "mode", "destinationUri", "reasons", "requestedBy", "requestedAt", "cancelRequestedAt", "failureReason", "finishedAt");
        JsonNode p = m.get("progress");
        if (p != null && !p.isNull()) {
            fields.put("progress", text(p, "percent") == null ? null : text(p, "percent") + "%");
            fields.put("transferred", p.hasNonNull("bytesProcessed") ? Formats.bytes(p.get("bytesProcessed").asLong())
                    : null);
            fields.put("remaining", p.hasNonNull("bytesRemaining") ? Formats.bytes(p.get("bytesRemaining").asLong())
                    : null);
            fields.put("rate", p.hasNonNull("rateBytesPerSecond")
                    ? Formats.rate(p.get("rateBytesPerSecond").asLong()) : null);
            fields.put("elapsed", p.hasNonNull("elapsedMs") ? Formats.duration(p.get("elapsedMs").asLong()) : null);
            fields.put("downtime", p.hasNonNull("downtimeMs") ? p.get("downtimeMs").asLong() + " ms" : null);
        }
        return fields;
    }

    /** migrate --wait's exit code once the migration ended: only a completed one is done. */
    static int exitCode(String endState) {
        return "COMPLETED".equals(endState) ? dev.virtgate.cli.ExitCodes.OK : dev.virtgate.cli.ExitCodes.FAILED;
    }

    /** The last line of migrate --wait: how it ended. */
    static String outcome(JsonNode m) {
        String state = text(m, "state");
        StringBuilder line = new StringBuilder("migration ").append(text(m, "id")).append(' ').append(state);
        JsonNode p = m.get("progress");
        if ("COMPLETED".equals(state) && p != null && !p.isNull()) {
            if (p.hasNonNull("elapsedMs")) {
                line.append(" in ").append(Formats.duration(p.get("elapsedMs").asLong()));
            }
            if (p.hasNonNull("bytesProcessed")) {
                line.append(", ").append(Formats.bytes(p.get("bytesProcessed").asLong())).append(" sent");
            }
            if (p.path("rateBytesPerSecond").asLong(0) > 0) {
                line.append(" at ").append(Formats.rate(p.get("rateBytesPerSecond").asLong()));
            }
            if (p.hasNonNull("downtimeMs")) {
                line.append(", downtime ").append(p.get("downtimeMs").asLong()).append(" ms");
            }
        }
        if (text(m, "failureReason") != null) {
            line.append(": ").append(text(m, "failureReason"));
        }
        return line.toString();
    }
}
