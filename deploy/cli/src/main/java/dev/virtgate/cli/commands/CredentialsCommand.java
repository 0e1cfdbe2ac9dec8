package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.output.Table;
import dev.virtgate.cli.output.Formats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.Map;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "credentials", description = "A cluster's SASL credentials (credential-service); never the secret.",
        subcommands = {CredentialsCommand.Status.class, CredentialsCommand.Rotate.class})
public class CredentialsCommand extends CommandGroup {

    @Command(name = "status", description = "Version, phase, and which hosts acknowledged it.")
    static class Status extends ApiCommand {
        @Parameters(paramLabel = "CLUSTER", description = "cluster id")
        String cluster;

        @Override
        protected int execute() {
            JsonNode s = api().get(Service.CREDENTIAL, "/v1/clusters/" + segment(cluster) + "/credentials");
            if (jsonOutput()) {
                printJson(s);
                return done();
            }
            Map<String, String> fields = Formats.fields(s, "clusterId", "version", "username", "phase", "rotationInProgress", "rotationId", "rotationStartedAt", "rotationRequestedBy", "phaseEnteredAt", "members", "acknowledgedHosts", "rotationOwed");
            printFields(fields);
            JsonNode laggards = s.get("laggards");
            if (laggards != null && laggards.isArray() && laggards.size() > 0) {
                print(new Table("lagging host", "acked version", "acked phase")
                        .rowsOf(laggards, "hostId", "ackedVersion", "ackedPhase"));
            }
            return done();
        }
    }

    @Command(name = "rotate", description = "Starts a staged rotation (STAGED, ACTIVE, RETIRED).")
    static class Rotate extends ApiCommand {
        @Parameters(paramLabel = "CLUSTER", description = "cluster id")
        String cluster;

        @Override
        protected int execute() {
            JsonNode r = api().post(Service.CREDENTIAL, "/v1/clusters/" + segment(cluster) + "/credentials/rotate",
                    null, Map.of());
            if (jsonOutput()) {
                printJson(r);
            } else {
                out().println("rotation " + text(r, "rotationId") + " started in " + cluster + ": version "
                        + text(r, "version") + " (" + text(r, "username") + "), phase " + text(r, "phase"));
                out().flush();
            }
            return done();
        }
    }
}
