package dev.virtgate.agent.enroll;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.pki.Pem;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import java.util.regex.Pattern;

/**
 * {@code virtgate-agent enroll}: the first run on a hypervisor. Checks every value, fetches the CA
 * from pki-service and compares its SHA-256 with {@code --ca-hash}; only then writes the agent's
 * environment file. Exit 0 written, 1 refused (nothing written), 2 bad usage. The token and the bus
 * password never appear in its output.
 */
@Command(name = "virtgate-agent enroll", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Checks virtgate's CA against the enrollment bundle's hash, then writes the agent's "
                + "environment file (0600) for virtgate-agent.service.")
public final class EnrollCommand implements Callable<Integer> {
    private static final Pattern ID = Pattern.compile("^[a-z0-9][a-z0-9-]{0,62}$");
    static final String BUS_CA_FILE_NAME = "bus-ca.pem";
    private static final Pattern BOOTSTRAP = Pattern.compile("^[A-Za-z0-9.:\\[\\]-]+:[0-9]{1,5}(,[A-Za-z0-9.:\\[\\]-]+:[0-9]{1,5})*$");

    @Option(names = "--server", required = true, paramLabel = "URL", description = "pki-service's base URL (serves GET /v1/ca)")
    String server;

    @Option(names = "--token", required = true, paramLabel = "TOKEN", description = "the enrollment bundle's one-time token")
    String token;

    @Option(names = "--ca-hash", required = true, paramLabel = "sha256:HEX", description = "the enrollment bundle's CA fingerprint")
    String caHash;

    @Option(names = "--host-id", required = true, description = "this host's id, as registered")
    String hostId;

    @Option(names = "--cluster", required = true, description = "its cluster, as registered")
    String cluster;

    @Option(names = "--fqdn", required = true, description = "its FQDN, as registered")
    String fqdn;

    @Option(names = "--management-address", required = true, paramLabel = "IP", description = "libvirtd's listen address")
    String managementAddress;

    @Option(names = "--migration-address", paramLabel = "IP", description = "QEMU's incoming migration address")
    String migrationAddress;

    @Option(names = "--bus", paramLabel = "HOST:PORT[,...]", description = "Kafka bootstrap servers")
    String bus;

    @Option(names = "--bus-password-file", paramLabel = "FILE",
            description = "file holding the bus password of the enrollment principal (host-enrollment)")
    Path busPasswordFile;

    @Option(names = "--bus-tls", required = true, paramLabel = "HOST:PORT[,...]",
            description = "the broker's mTLS listener for hosts, used once the host has its certificate")
    String busTls;

    @Option(names = "--bus-ca-file", required = true, paramLabel = "FILE",
            description = "PEM of the CA of that listener's certificate; copied next to the environment file as "
                    + BUS_CA_FILE_NAME + " (0644)")
    Path busCaFile;

    @Option(names = "--openbao", paramLabel = "URL", description = "OpenBao's address")
    String openbao;

    @Option(names = "--env-file", paramLabel = "PATH", defaultValue = "/etc/virtgate/agent.env", description = "default: ${DEFAULT-VALUE}")
    Path envFile;

    @Option(names = "--timeout", defaultValue = "PT10S", description = "for the CA fetch (ISO-8601), default: ${DEFAULT-VALUE}")
    Duration timeout;

    @Override
    public Integer call() {
        // every value first: a bad one costs no request and writes nothing
        URI serverUri = httpUrl("--server", server);
        CaPin pin = new CaPin("--ca-hash", caHash);
        AgentEnvFile env = new AgentEnvFile("virtgate host agent, written by virtgate-agent enroll at " + Instant.now()
                + "\nagainst " + serverUri + " (CA " + pin.value() + "); root:root 0600, kept on upgrade")
                .put("VIRTGATE_AGENT_HOST_ID", id("--host-id", hostId))
                .put("VIRTGATE_AGENT_CLUSTER_ID", id("--cluster", cluster))
                .put("VIRTGATE_AGENT_FQDN", ConfigValues.hostName("--fqdn", fqdn))
                .put("VIRTGATE_AGENT_MANAGEMENT_ADDRESS", ConfigValues.listenAddress("--management-address", managementAddress))
                .put("VIRTGATE_AGENT_ENROLLMENT_TOKEN", ConfigValues.secret("--token", token))
                .put("VIRTGATE_AGENT_CA_FINGERPRINT", pin.value());
        if (migrationAddress != null) {
            env.put("VIRTGATE_AGENT_MIGRATION_ADDRESS", ConfigValues.address("--migration-address", migrationAddress));
        }
        if (bus != null) {
            env.put("KAFKA_BOOTSTRAP_SERVERS", bootstrap("--bus", bus));
        }
        env.put("VIRTGATE_AGENT_BUS_TLS_BOOTSTRAP_SERVERS", bootstrap("--bus-tls", busTls));
        byte[] busCa = readCertificates("--bus-ca-file", busCaFile);
        Path busCaCopy = envFile.toAbsolutePath().resolveSibling(BUS_CA_FILE_NAME);
        env.put("VIRTGATE_AGENT_BUS_CA_FILE", busCaCopy.toString());
        if (busPasswordFile != null) {
            env.put("VIRTGATE_BUS_PASSWORD", ConfigValues.secret("--bus-password-file", readSecret(busPasswordFile)));
        }
        if (openbao != null) {
            env.put("QUARKUS_VAULT_URL", httpUrl("--openbao", openbao).toString());
        }
        pin.fetchAndCheck(serverUri, timeout);
        SecureFiles.writeAtomically(busCaCopy, busCa, "rw-r--r--", null); // public: a CA certificate
        env.writeTo(envFile);
        System.out.println("virtgate-agent enroll: CA " + pin.value() + " verified; wrote " + envFile
                + " (0600) and " + busCaCopy + " (0644). Start the agent: systemctl enable --now virtgate-agent");
        return 0;
    }

    public static void main(String[] args) {
        System.exit(run(args, new PrintWriter(System.out, true, StandardCharsets.UTF_8),
                new PrintWriter(System.err, true, StandardCharsets.UTF_8)));
    }

    /** Exit code: 0 written, 1 refused, 2 bad usage; errors are one line with the token masked. */
    public static int run(String[] args, PrintWriter out, PrintWriter err) {
        CommandLine cl = new CommandLine(new EnrollCommand());
        cl.setOut(out);
        cl.setErr(err);
        cl.setParameterExceptionHandler((e, a) -> fail(err, e.getMessage() + " (see --help)", args, 2));
        cl.setExecutionExceptionHandler((e, c, parsed) -> {
            if (e instanceof ConfigRejectedException) {
                return fail(err, e.getMessage(), args, 2);
            }
            // an unexpected exception's message could quote anything: only its type is shown
            boolean known = e instanceof EnrollRefused || e instanceof UncheckedIOException;
            return fail(err, known ? e.getMessage() : e.getClass().getSimpleName(), args, 1);
        });
        return cl.execute(args);
    }

    private static int fail(PrintWriter err, String message, String[] args, int code) {
        err.println("virtgate-agent enroll: " + masked(String.valueOf(message), args));
        err.flush();
        return code;
    }

    /** A message may quote an argument (picocli's "unmatched argument 'x'"): never the token. */
    static String masked(String message, String[] args) {
        String out = message;
        for (int i = 0; i < args.length; i++) {
            String secret = args[i].startsWith("--token=") ? args[i].substring(8)
                    : args[i].equals("--token") && i + 1 < args.length ? args[i + 1] : null;
            if (secret != null && !secret.isEmpty()) {
                out = out.replace(secret, "<token>");
            }
        }
        return out;
    }

    private static String id(String field, String value) {
        if (value == null || !ID.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "must be lower-case letters, digits and '-', at most 63");
        }
        return value;
    }

    private static URI httpUrl(String field, String value) {
        try {
            URI uri = new URI(value);
            if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) || uri.getHost() == null
                    || uri.getUserInfo() != null || uri.getQuery() != null || uri.getFragment() != null) {
                throw new ConfigRejectedException(field, "not an http(s)://host[:port][/path] URL");
            }
            return uri;
        } catch (java.net.URISyntaxException e) {
            throw new ConfigRejectedException(field, "not an http(s)://host[:port][/path] URL");
        }
    }

    private static String bootstrap(String field, String value) {
        if (!BOOTSTRAP.matcher(value).matches()) {
            throw new ConfigRejectedException(field, "not host:port[,host:port...]");
        }
        return value;
    }

    /** The file's bytes, if it is PEM holding at least one certificate and nothing unreadable. */
    private static byte[] readCertificates(String field, Path file) {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (IOException e) {
            throw new ConfigRejectedException(field, "cannot read " + file);
        }
        try {
            if (!Pem.certificates(new String(bytes, StandardCharsets.US_ASCII)).isEmpty()) {
                return bytes;
            }
        } catch (RuntimeException e) {
            // below: the same answer for garbage and for PEM without a certificate
        }
        throw new ConfigRejectedException(field, "no PEM certificate in " + file);
    }

    private static String readSecret(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8).strip();
        } catch (IOException e) {
            throw new ConfigRejectedException("--bus-password-file", "cannot read " + file);
        }
    }
}
