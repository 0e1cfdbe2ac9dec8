package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.ExitCodes;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.http.ApiException;
import dev.virtgate.cli.output.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "audit", description = {"Who did what: the audit trails of migration-service, pki-service and "
        + "credential-service (GET /v1/audit), merged, newest first.",
        "Exit 1 when a service's trail could not be read (what could be read is still shown)."})
public class AuditCommand extends ApiCommand {
    /** The services' names as --service takes them. */
    enum Source {
        migration(Service.MIGRATION), pki(Service.PKI), credential(Service.CREDENTIAL);

        final Service service;

        Source(Service service) {
            this.service = service;
        }
    }

    @Option(names = "--actor", description = "who (token subject or certificate name)")
    String actor;

    @Option(names = "--action", description = "e.g. host.register, policy.set, migration.start, certificate.revoke")
    String action;

    @Option(names = "--host", description = "host id")
    String host;

    @Option(names = "--since", paramLabel = "INSTANT", description = "e.g. 2026-11-29T00:00:00Z")
    Instant since;

    @Option(names = "--until", paramLabel = "INSTANT", description = "exclusive upper bound")
    Instant until;

    @Option(names = "--size", description = "newest entries to show (1..500, default 50)")
    int size = 50;

    @Option(names = "--service", split = ",", paramLabel = "NAME", description = "only these: ${COMPLETION-CANDIDATES}")
    Set<Source> services = EnumSet.allOf(Source.class);

    /** Newest first; an entry without a readable time last. */
    static final Comparator<JsonNode> NEWEST_FIRST = Comparator.comparing(AuditCommand::at,
            Comparator.nullsLast(Comparator.<Instant>reverseOrder()));

    @Override
    protected int execute() {
        if (size < 1 || size > 500) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--size must be 1..500");
        }
        String query = query("actor", actor, "action", action, "host", host, "since", since, "until", until,
                "page", 0, "size", size);
        List<JsonNode> items = new ArrayList<>();
        List<String> unavailable = new ArrayList<>();
        for (Source source : services) {
            try {
                api().get(source.service, "/v1/audit" + query).path("items").forEach(items::add);
            } catch (ApiException e) {
                if (e.status() != 404) {
                    throw e;
                }
                unavailable.add("audit not available on " + source.service.serviceName());
            } catch (CliException e) {
                unavailable.add(e.getMessage());
            }
        }
        items.sort(NEWEST_FIRST);
        List<JsonNode> shown = items.subList(0, Math.min(size, items.size()));
        if (jsonOutput()) {
            ObjectNode merged = root().json().createObjectNode();
            ArrayNode array = merged.putArray("items");
            shown.forEach(array::add);
            printJson(merged);
        } else if (!shown.isEmpty() || unavailable.isEmpty()) {
            print(new Table("at", "service", "actor", "action", "target", "host", "outcome", "mode", "detail")
                    .rowsOf(shown, "at", "service", "actor", "action", "target", "host", "outcome", "mode", "detail"));
        }
        unavailable.forEach(line -> err().println("virtgate: " + line));
        err().flush();
        return unavailable.isEmpty() ? ExitCodes.OK : ExitCodes.FAILED;
    }

    private static Instant at(JsonNode item) {
        try {
            String at = text(item, "at");
            return at == null ? null : Instant.parse(at);
        } catch (java.time.format.DateTimeParseException e) {
            return null;
        }
    }
}
