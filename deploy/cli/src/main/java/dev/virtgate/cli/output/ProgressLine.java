package dev.virtgate.cli.output;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * One line about a running migration: a bar, percent, rate and what remains (bytes and, from the
 * rate, time). Before the source agent's first report there are no figures: the state alone.
 */
public final class ProgressLine {
    static final int BAR_WIDTH = 30;

    private ProgressLine() {
    }

    public static String of(JsonNode migration, boolean withBar) {
        String state = Formats.text(migration, "state");
        JsonNode progress = migration.get("progress");
        if (progress == null || progress.isNull()) {
            return (withBar ? bar(0) + "  " : "") + state + "  waiting for the source agent's first report";
        }
        StringBuilder line = new StringBuilder();
        Integer percent = progress.hasNonNull("percent") ? progress.get("percent").asInt() : null;
        if (withBar) {
            line.append(bar(percent == null ? 0 : percent)).append("  ");
        }
        line.append(percent == null ? "  ?%" : String.format("%3d%%", percent));
        long rate = progress.path("rateBytesPerSecond").asLong(0);
        if (rate > 0) {
            line.append("  ").append(Formats.rate(rate));
        }
        if (progress.hasNonNull("bytesRemaining")) {
            long remaining = progress.get("bytesRemaining").asLong();
            line.append("  ").append(Formats.bytes(remaining)).append(" remaining");
            if (rate > 0 && remaining > 0) {
                line.append(" (~").append(Formats.duration(remaining * 1000 / rate)).append(")");
            }
        }
        if (progress.hasNonNull("elapsedMs")) {
            line.append("  elapsed ").append(Formats.duration(progress.get("elapsedMs").asLong()));
        }
        return line.append("  ").append(state).toString();
    }

    static String bar(int percent) {
        int filled = Math.max(0, Math.min(BAR_WIDTH, percent * BAR_WIDTH / 100));
        return "[" + "#".repeat(filled) + "-".repeat(BAR_WIDTH - filled) + "]";
    }
}
