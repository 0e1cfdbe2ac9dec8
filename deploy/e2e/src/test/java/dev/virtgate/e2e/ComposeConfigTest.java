package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.virtgate.testsupport.Workspace;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compose file as a real compose implementation reads it: Debian's docker-compose (installed by
 * {@code ./virtgate install}) resolves it with {@code config}, which needs no Docker daemon.
 */
class ComposeConfigTest {
    private static final Pattern REQUIRED = Pattern.compile("\\$\\{(VIRTGATE_[A-Z0-9_]+):\\?");
    private static Path root;
    private static Path file;
    private static TreeSet<String> required;

    @BeforeAll
    static void find() throws IOException {
        root = Workspace.repositoryRoot();
        file = root.resolve("deploy/compose/docker-compose.yml");
        required = new TreeSet<>();
        Matcher m = REQUIRED.matcher(Files.readString(file));
        while (m.find()) {
            required.add(m.group(1));
        }
    }

    @Test
    void dockerComposeResolvesTheStackWithARealOpenBaoAndNoRootTokenInAnyService() throws Exception {
        Result config = config(dummySecrets());
        assertEquals(0, config.exit(), config.output());
        JsonNode stack = new ObjectMapper(new YAMLFactory()).readTree(config.stdout());
        List<String> services = new ArrayList<>();
        stack.path("services").fieldNames().forEachRemaining(services::add);
        assertEquals(List.of("bus-certs", "bus-init", "credential-service", "host-agent", "kafka", "migration-service", "openbao",
                "openbao-init", "pki-service", "postgres"), services.stream().sorted().toList());

        String bao = stack.at("/services/openbao/entrypoint").toString();
        assertTrue(bao.contains("server") && bao.contains("-config="), bao);
        assertFalse(config.stdout().contains("-dev"), "OpenBao must not run in dev mode");
        for (String service : services) {
            Iterator<String> env = stack.at("/services/" + service + "/environment").fieldNames();
            while (env.hasNext()) {
                String name = env.next();
                assertFalse(name.equals("BAO_TOKEN") || name.contains("ROOT_TOKEN") || name.equals("VAULT_TOKEN")
                        || name.equals("QUARKUS_VAULT_AUTHENTICATION_CLIENT_TOKEN"), service + " is handed a token: " + name);
            }
            String volumes = stack.at("/services/" + service + "/volumes").toString();
            assertEquals(service.equals("openbao-init"), volumes.contains("openbao-keys"),
                    service + ": only openbao-init mounts the unseal key and root token");
            assertEquals(service.equals("kafka") || service.equals("bus-certs"), volumes.contains("bus-listener"),
                    service + ": only the broker (and bus-certs, which makes it) mounts its mTLS listener key");
        }
        String kafka = stack.at("/services/kafka/command").toString();
        for (String file : List.of("hosts-listener.key.pem", "hosts-listener.chain.pem", "bus-ca.pem")) {
            assertTrue(kafka.contains("/bus/" + file), "the broker reads " + file + ": " + kafka);
        }
        assertTrue(stack.at("/services/host-agent/volumes").toString().contains("bus-ca"), "agents trust the bus CA");
        for (String service : List.of("pki-service", "credential-service", "migration-service", "host-agent")) {
            assertEquals("service_completed_successfully",
                    stack.at("/services/" + service + "/depends_on/openbao-init/condition").asText(),
                    service + " starts once OpenBao is unsealed and bootstrapped");
        }
    }

    @Test
    void aMissingSecretIsNamedAndNothingIsResolved() throws Exception {
        assertTrue(required.contains("VIRTGATE_BUS_HOST_ENROLLMENT_PASSWORD"), required.toString());
        Map<String, String> env = dummySecrets();
        env.remove("VIRTGATE_BUS_HOST_ENROLLMENT_PASSWORD");
        Result config = config(env);
        assertNotEquals(0, config.exit(), config.output());
        assertTrue(config.output().contains("set VIRTGATE_BUS_HOST_ENROLLMENT_PASSWORD"), config.output());
    }

    @Test
    void theAgentImageCarriesLibvirtsClientAndRunsAsTheUserThatWritesWhatItManages() throws IOException {
        String dockerfile = Files.readString(root.resolve("services/host-agent/src/main/docker/Dockerfile.jvm"));
        for (String pkg : List.of("libvirt0", "libvirt-clients", "sasl2-bin", "libsasl2-modules", "curl")) {
            assertTrue(Pattern.compile("apt-get install[^\\n]*(\\\\\\n[^\\n]*)*\\b" + Pattern.quote(pkg) + "\\b")
                    .matcher(dockerfile).find(), "the agent image installs " + pkg);
        }
        assertTrue(dockerfile.lines().filter(l -> l.startsWith("USER ")).toList().equals(List.of("USER root")),
                "the agent writes /etc/libvirt and /etc/pki: it runs as root");
    }

    private static Map<String, String> dummySecrets() {
        Map<String, String> env = new HashMap<>();
        for (String name : required) {
            env.put(name, "0123456789abcdef");
        }
        return env;
    }

    private record Result(int exit, String stdout, String stderr) {
        String output() {
            return stdout + stderr;
        }
    }

    private static Result config(Map<String, String> secrets) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(composeCommand("-f", file.toString(), "config"))
                .directory(file.getParent().toFile());
        pb.environment().keySet().removeIf(k -> k.startsWith("VIRTGATE_"));
        pb.environment().putAll(secrets);
        Path out = Files.createTempFile("compose-config", ".out");
        Path err = Files.createTempFile("compose-config", ".err");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(2, TimeUnit.MINUTES), "docker-compose config did not finish");
        Result result = new Result(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8));
        Files.delete(out);
        Files.delete(err);
        return result;
    }

    private static List<String> composeCommand(String... args) {
        List<String> command = new ArrayList<>();
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (!dir.isBlank() && Files.isExecutable(Path.of(dir, "docker-compose"))) {
                command.add(Path.of(dir, "docker-compose").toString());
                command.addAll(List.of(args));
                return command;
            }
        }
        throw new IllegalStateException(Workspace.missingPrerequisite("docker-compose (Debian's docker-compose package)"));
    }
}
