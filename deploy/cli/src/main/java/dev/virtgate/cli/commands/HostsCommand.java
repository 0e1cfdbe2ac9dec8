package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.output.Table;
import dev.virtgate.cli.output.Formats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Locale;
import java.util.Map;


@Command(name = "hosts", description = "The host registry (migration-service).",
        subcommands = {HostsCommand.ListHosts.class, HostsCommand.Show.class, HostsCommand.Register.class,
                HostsCommand.Decommission.class})
public class HostsCommand extends CommandGroup {

    @Command(name = "list", description = "Registered hosts.")
    static class ListHosts extends ApiCommand {
        @Option(names = "--cluster", description = "only this cluster's hosts")
        String cluster;

        @Override
        protected int execute() {
            JsonNode hosts = api().get(Service.MIGRATION, "/v1/hosts" + query("cluster", cluster));
            if (jsonOutput()) {
                printJson(hosts);
                return done();
            }
            print(new Table("id", "cluster", "fqdn", "status", "tls-ready", "cert serial", "cert expires")
                    .rowsOf(hosts, "id", "clusterId", "fqdn", "status", "tlsReady", "certificate.serial",
                            "certificate.notAfter"));
            return done();
        }
    }

    @Command(name = "show", description = "One host: status, certificate, credential, posture.")
    static class Show extends ApiCommand {
        @Parameters(paramLabel = "HOST", description = "host id")
        String hostId;

        @Override
        protected int execute() {
            JsonNode h = api().get(Service.MIGRATION, "/v1/hosts/" + segment(hostId));
            if (jsonOutput()) {
                printJson(h);
                return done();
            }
            Map<String, String> fields = Formats.fields(h, "id", "clusterId", "fqdn", "status", "dnsNames", "managementAddresses", "migrationAddresses", "registeredAt", "registeredBy", "enrolledAt", "decommissionedAt", "tlsReady", "tlsProblems", "certificate.serial", "certificate.notAfter", "certificate.revoked", "credential.version", "credential.phase", "posture.probedAt", "posture.allPass");
            printFields(fields);
            return done();
        }
    }

    @Command(name = "register", description = {"Registers a host. Its enrollment bundle (the one-time token and "
            + "the CA fingerprint, for the agent; the service shows it this once) goes to a new file, mode 0600: "
            + "--bundle-file, else ./<host id>.enrollment.json. The token itself is never printed."})
    static class Register extends ApiCommand {
        @Option(names = "--cluster", required = true, description = "cluster id")
        String cluster;

        @Option(names = "--fqdn", required = true, description = "fully qualified DNS name")
        String fqdn;

        @Option(names = "--id", description = "host id (default: the FQDN's first label)")
        String hostId;

        @Option(names = "--management-address", required = true, paramLabel = "IP",
                description = "management address (repeatable)")
        List<String> managementAddresses;

        @Option(names = "--migration-address", paramLabel = "IP", description = "migration address (repeatable)")
        List<String> migrationAddresses = List.of();

        @Option(names = "--dns-name", paramLabel = "NAME", description = "further DNS name (repeatable)")
        List<String> dnsNames = List.of();

        @Option(names = "--bundle-file", paramLabel = "FILE", description = "a new file for the bundle (0600); "
                + "default ./<host id>.enrollment.json")
        Path bundleFile;

        @Override
        protected int execute() {
            ObjectNode body = root().json().createObjectNode();
            if (hostId != null) {
                body.put("hostId", hostId);
            }
            body.put("clusterId", cluster).put("fqdn", fqdn);
            body.set("managementAddresses", root().json().valueToTree(managementAddresses));
            body.set("migrationAddresses", root().json().valueToTree(migrationAddresses));
            body.set("dnsNames", root().json().valueToTree(dnsNames));
            Path file = bundleFile != null ? bundleFile
                    : Path.of((hostId != null ? hostId : fqdn.split("\\.")[0].toLowerCase(Locale.ROOT))
                            + ".enrollment.json");
            createPrivate(file); // before registering: the token cannot be asked for again
            JsonNode bundle;
            try {
                bundle = api().post(Service.MIGRATION, "/v1/hosts", body, Map.of());
            } catch (RuntimeException e) {
                deleteQuietly(file);
                throw e;
            }
            write(file, bundle.toPrettyString());
            ((ObjectNode) bundle).put("enrollmentToken", "<in " + file + ">");
            if (jsonOutput()) {
                printJson(bundle);
                return done();
            }
            Map<String, String> fields = Formats.fields(bundle, "hostId", "clusterId", "fqdn", "enrollmentToken", "enrollmentTokenExpiresAt", "caCertSha256");
            printFields(fields);
            return done();
        }

        private static void createPrivate(Path file) {
            try {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (java.nio.file.FileAlreadyExistsException e) {
                throw new CliException(file + " exists; nothing was registered (pass another --bundle-file)");
            } catch (IOException e) {
                throw new CliException("cannot create " + file + " for the enrollment bundle: " + e.getMessage()
                        + "; nothing was registered");
            }
        }

        private static void deleteQuietly(Path file) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // an empty file left behind holds nothing
            }
        }

        private static void write(Path file, String content) {
            try {
                Files.writeString(file, content + "\n", StandardOpenOption.TRUNCATE_EXISTING);
            } catch (IOException e) {
                throw new CliException("the host is registered, but its bundle could not be written to " + file + ": "
                        + e.getMessage() + "; decommission it and register the host under another id");
            }
        }
    }

    @Command(name = "decommission", description = "Decommissions a host; pki-service revokes its certificate.")
    static class Decommission extends ApiCommand {
        @Parameters(paramLabel = "HOST", description = "host id")
        String hostId;

        @Override
        protected int execute() {
            api().delete(Service.MIGRATION, "/v1/hosts/" + segment(hostId));
            if (jsonOutput()) {
                printJson(root().json().createObjectNode().put("hostId", hostId).put("status", "DECOMMISSIONED"));
            } else {
                out().println("host " + hostId + " decommissioned");
                out().flush();
            }
            return done();
        }
    }
}
