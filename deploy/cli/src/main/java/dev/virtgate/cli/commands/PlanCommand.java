package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.ExitCodes;
import dev.virtgate.cli.config.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

import java.util.LinkedHashMap;
import java.util.Map;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "plan", description = {"The mode a migration would run in, and why; nothing is stored or sent.",
        "Exit 1 when the pair may not migrate."})
public class PlanCommand extends ApiCommand {
    @Mixin
    MigrationPair pair;

    @Override
    protected int execute() {
        JsonNode plan = api().post(Service.MIGRATION, "/v1/migrations/plan",
                pair.body(root().json()), Map.of());
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
