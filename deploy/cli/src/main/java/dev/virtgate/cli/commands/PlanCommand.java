package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.ExitCodes;
import dev.virtgate.cli.config.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "plan", description = {"The mode a migration would run in, and why; nothing is stored or sent.",
        "Exit 1 when the pair may not migrate."})
public class PlanCommand extends ApiCommand {
    @Parameters(index = "0", paramLabel = "VM", description = "libvirt domain name")
    String vm;

    @Parameters(index = "1", paramLabel = "SRC", description = "source host id")
    String source;

    @Parameters(index = "2", paramLabel = "DST", description = "destination host id")
    String destination;

    @Option(names = "--bandwidth", paramLabel = "MiB/s", description = "bandwidth limit")
    Integer bandwidthMiBps;

    @Override
    protected int execute() {
        JsonNode plan = api().post(Service.MIGRATION, "/v1/migrations/plan",
                MigrateCommand.body(root().json(), vm, source, destination, bandwidthMiBps), Map.of());
        boolean allowed = plan.path("allowed").asBoolean(false);
        if (jsonOutput()) {
            printJson(plan);
        } else {
            Map<String, String> fields = new LinkedHashMap<>();
            fields.put("allowed", String.valueOf(allowed));
            fields.put("mode", text(plan, "mode"));
            fields.put("policy", text(plan, "policy"));
            fields.put("warning", plan.path("warning").asBoolean(false) ? "yes" : null);
            fields.put("destinationUri", text(plan, "destinationUri"));
            fields.put("flags", text(plan, "flags"));
            fields.put("reasons", text(plan, "reasons"));
            printFields(fields);
        }
        return allowed ? ExitCodes.OK : ExitCodes.FAILED;
    }
}
