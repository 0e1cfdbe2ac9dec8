package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.output.ProgressLine;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;

import static dev.virtgate.cli.output.Formats.text;

/**
 * Polls GET /v1/migrations/{id} until the migration ends. On a terminal one line is redrawn in place;
 * otherwise a line is printed each time it changes (for logs and pipes).
 */
final class MigrationWatch {
    private final dev.virtgate.cli.http.ApiClient api;
    private final PrintWriter out;
    private final boolean redraw;
    private final boolean progress;
    private final Duration interval;
    private final Duration timeout;
    private final Consumer<JsonNode> finalJson;

    MigrationWatch(dev.virtgate.cli.http.ApiClient api, PrintWriter out, boolean redraw, boolean progress,
            Duration interval, Duration timeout, Consumer<JsonNode> finalJson) {
        this.api = api;
        this.out = out;
        this.redraw = redraw;
        this.progress = progress;
        this.interval = interval;
        this.timeout = timeout;
        this.finalJson = finalJson;
    }

    int follow(String id) throws InterruptedException {
        Instant deadline = timeout == null ? null : Instant.now().plus(timeout);
        String last = null;
        int drawn = 0;
        while (true) {
            JsonNode m = api.get(Service.MIGRATION, "/v1/migrations/" + ApiCommand.segment(id));
            String state = text(m, "state");
            boolean ended = MigrationViews.ENDED.contains(state);
            if (progress) {
                String line = ProgressLine.of(m, redraw);
                if (redraw) {
                    out.print("\r" + line + " ".repeat(Math.max(0, drawn - line.length())));
                    drawn = line.length();
                    if (ended) {
                        out.println();
                    }
                } else if (!line.equals(last)) {
                    out.println(line);
                }
                out.flush();
                last = line;
            }
            if (ended) {
                if (finalJson != null) {
                    finalJson.accept(m);
                } else {
                    out.println(MigrationViews.outcome(m));
                    out.flush();
                }
                return MigrationViews.exitCode(state);
            }
            if (deadline != null && Instant.now().isAfter(deadline)) {
                if (redraw) {
                    out.println();
                }
                throw new CliException("stopped waiting after " + timeout.toSeconds() + " s; migration " + id
                        + " is still " + state + " (./virtgate migrations show " + id + ")");
            }
            Thread.sleep(interval.toMillis());
        }
    }
}
