package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.Map;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "certs", description = "Host certificates (pki-service).",
        subcommands = {CertsCommand.ListCerts.class, CertsCommand.Revoke.class})
public class CertsCommand extends CommandGroup {

    @Command(name = "list", description = "Issued certificates, soonest expiry first.")
    static class ListCerts extends ApiCommand {
        @Option(names = "--host", description = "only this host's")
        String host;

        @Option(names = "--serial", description = "only this serial (hex)")
        String serial;

        @Option(names = "--expiring-within", paramLabel = "DURATION", description = "valid ones expiring within, "
                + "e.g. P7D")
        String expiringWithin;

        @Override
        protected int execute() {
            JsonNode certs = api().get(Service.PKI, "/v1/certificates" + query("hostId", host, "serial", serial,
                    "expiringWithin", expiringWithin));
            if (jsonOutput()) {
                printJson(certs);
                return done();
            }
            print(new Table("serial", "host", "cluster", "status", "not after", "reason", "revoked at")
                    .rowsOf(certs, "serial", "hostId", "clusterId", "status", "notAfter", "reason", "revokedAt"));
            return done();
        }
    }

    @Command(name = "revoke", description = "Revokes a certificate; the CRL and the agents follow.")
    static class Revoke extends ApiCommand {
        @Parameters(paramLabel = "SERIAL", description = "serial (hex)")
        String serial;

        @Option(names = "--reason", required = true, description = "why (recorded, at most 256 characters)")
        String reason;

        @Override
        protected int execute() {
            JsonNode c = api().post(Service.PKI, "/v1/certificates/" + segment(serial) + "/revoke",
                    root().json().createObjectNode().put("reason", reason), Map.of());
            if (jsonOutput()) {
                printJson(c);
            } else {
                out().println("certificate " + text(c, "serial") + " of " + text(c, "hostId") + " " + text(c, "status")
                        + " at " + text(c, "revokedAt"));
                out().flush();
            }
            return done();
        }
    }
}
