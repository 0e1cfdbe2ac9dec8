package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.cli.config.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;
import java.util.Map;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "migrate", description = {"Starts a live migration (signed command to the source agent).",
        "With --wait: a progress line (percent, rate, remaining) until it ends; exit 0 only if it completed."})
public class MigrateCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VM", description = "libvirt domain name")
    String vm;

    @Parameters(index = "1", paramLabel = "SRC", description = "source host id")
    String source;

    @Parameters(index = "2", paramLabel = "DST", description = "destination host id")
    String destination;

    @Option(names = "--bandwidth", paramLabel = "MiB/s", description = "bandwidth limit")
    Integer bandwidthMiBps;

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
                body(root().json(), vm, source, destination, bandwidthMiBps),
                idempotencyKey == null ? Map.of() : Map.of("Idempotency-Key", idempotencyKey));
        String id = text(accepted, "id");
        if (!await) {
            if (jsonOutput()) {
                printJson(accepted);
            } else {
                out().println("migration " + id + " " + text(accepted, "state") + " (mode " + text(accepted, "mode")
                        + "): " + vm + " " + source + " -> " + destination);
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

    static ObjectNode body(ObjectMapper json, String vm, String source, String destination, Integer bandwidth) {
        ObjectNode body = json.createObjectNode().put("vmName", vm).put("sourceHostId", source)
                .put("destinationHostId", destination);
        if (bandwidth != null) {
            body.put("bandwidthMiBps", bandwidth);
        }
        return body;
    }
}
