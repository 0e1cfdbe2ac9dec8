package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.config.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.time.Duration;
import java.util.Map;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "migrate", description = {"Starts a live migration (signed command to the source agent).",
        "With --wait: a progress line (percent, rate, remaining) until it ends; exit 0 only if it completed."})
public class MigrateCommand extends ApiCommand {
    @Mixin
    MigrationPair pair;

    @Option(names = "--wait", description = "follow the migration until it completes, fails or is cancelled")
    boolean await;

    @Option(names = "--timeout", paramLabel = "SECONDS", description = "with --wait: give up waiting (exit 1; the "
            + "migration goes on) after this long; 0 = never (default)")
    long timeoutSeconds;

    @Option(names = "--idempotency-key", paramLabel = "KEY", description = "the same key and request answer the "
            + "same migration instead of starting another")
    String idempotencyKey;

    @Option(names = "--poll-interval", hidden = true, paramLabel = "MS", description = "polling period")
    long pollMillis = 1000;

    @Override
    protected int execute() throws InterruptedException {
        JsonNode accepted = api().post(Service.MIGRATION, "/v1/migrations",
                pair.body(root().json()),
                idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey));
        String id = text(accepted, "id");
        if (!await) {
            if (jsonOutput()) {
                printJson(accepted);
            } else {
                out().println("migration " + id + " " + text(accepted, "state") + " (mode " + text(accepted, "mode")
                        + "): " + pair.vm + " " + pair.source + " -> " + pair.destination);
                out().flush();
            }
            return done();
        }
        if (!jsonOutput()) {
            out().println("migration " + id + " accepted (mode " + text(accepted, "mode") + ")");
            out().flush();
        }
        return new MigrationWatch(api(), out(), root().terminal() && !jsonOutput(), !jsonOutput(),
                Duration.ofMillis(pollMillis), timeoutSeconds > 0 ? Duration.ofSeconds(timeoutSeconds) : null,
                jsonOutput() ? this::printJson : null).follow(id);
    }
}
