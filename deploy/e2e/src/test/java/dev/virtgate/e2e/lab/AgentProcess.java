package dev.virtgate.e2e.lab;

import dev.virtgate.testsupport.ManagedProcess;
import dev.virtgate.testsupport.Workspace;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The packaged host-agent running INSIDE a lab host: {@code nsenter -t <holder> -n -m -u -- java -jar},
 * so it sees the host's own /etc/libvirt, /etc/pki, /etc/sasl2 and libvirtd, and reaches the
 * control plane only through the forwarded 127.0.0.1 ports. Configured by environment variables.
 */
public final class AgentProcess {
    private final String host;
    private final ManagedProcess process;

    private AgentProcess(String host, ManagedProcess process) {
        this.host = host;
        this.process = process;
    }

    /**
     * A private copy of the packaged agent (so a concurrent rebuild of services/host-agent cannot
     * swap jars under a running agent), made once per test run.
     */
    public static synchronized Path packagedCopy(Path workDir) {
        Path source = Workspace.repositoryRoot().resolve("services/host-agent/target/quarkus-app");
        if (!Files.isRegularFile(source.resolve("quarkus-run.jar"))) {
            throw new IllegalStateException("host-agent is not packaged (" + source + "): run mvn package first");
        }
        Path copy = workDir.resolve("host-agent-app");
        if (copiedThisRun && Files.isRegularFile(copy.resolve("quarkus-run.jar"))) {
            return copy;
        }
        // target/ outlives a run: a copy left by an earlier run would be a stale agent
        Workspace.deleteTree(copy);
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : files.toList()) {
                Path target = copy.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else if (!p.getFileName().toString().endsWith(".jsa")) { // an archive is valid only where it was made
                    Files.copy(p, target, StandardCopyOption.REPLACE_EXISTING);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        // the agents start the way operators start them: launcher, recommended flags, CDS archive
        ManagedProcess.run("virtgate-agent train", List.of("bash", launcher().toString(), "train"), workDir,
                workDir.resolve("virtgate-agent-train.log"), Duration.ofMinutes(3),
                Map.of("VIRTGATE_AGENT_APP_DIR", copy.toString(), "JAVA", java()));
        copiedThisRun = true;
        return copy;
    }

    private static boolean copiedThisRun;

    private static Path launcher() {
        return Workspace.repositoryRoot().resolve("services/host-agent/src/main/sh/virtgate-agent");
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /**
     * Environment for the agent of {@code host}: identity, control plane (the bus as the enrollment
     * principal, then the mTLS listener for hosts), libvirtd restart, probe interval.
     */
    public static Map<String, String> env(LabHosts lab, String host, String clusterId, String token,
            String caFingerprint, String kafkaBootstrap, String openBaoUrl) {
        Map<String, String> env = new HashMap<>();
        env.put("QUARKUS_PROFILE", "prod");
        env.put("QUARKUS_HTTP_HOST", "127.0.0.1");
        env.put("QUARKUS_HTTP_PORT", "8084"); // its own network namespace: no clash between hosts
        env.put("KAFKA_BOOTSTRAP_SERVERS", kafkaBootstrap);
        // before its certificate the enrollment principal; then its host certificate on the mTLS listener
        env.put("VIRTGATE_BUS_PASSWORD", dev.virtgate.testsupport.KafkaServer.shared().password(
                dev.virtgate.contracts.BusAccess.HOST_ENROLLMENT));
        env.put("VIRTGATE_AGENT_BUS_TLS_BOOTSTRAP_SERVERS", dev.virtgate.testsupport.KafkaServer.shared()
                .hostsBootstrapServers());
        env.put("QUARKUS_VAULT_URL", openBaoUrl);
        env.put("VIRTGATE_AGENT_HOST_ID", host);
        env.put("VIRTGATE_AGENT_CLUSTER_ID", clusterId);
        env.put("VIRTGATE_AGENT_FQDN", lab.fqdn(host));
        env.put("VIRTGATE_AGENT_MANAGEMENT_ADDRESS", lab.address(host));
        env.put("VIRTGATE_AGENT_ENROLLMENT_TOKEN", token);
        env.put("VIRTGATE_AGENT_CA_FINGERPRINT", caFingerprint); // the enrollment bundle's pin
        // libvirt's SASL realm is the host's canonical FQDN (measured, deploy/lab/README.md)
        env.put("VIRTGATE_AGENT_SASL_REALM", lab.saslRealm(host));
        // /var/lib/virtgate-agent is NOT private to a lab host; /var/lib/libvirt is
        env.put("VIRTGATE_AGENT_PATHS_STATE_DIR", "/var/lib/libvirt/virtgate-agent");
        // No workaround for the agent's self-probe reading /etc/libvirt/auth.conf (its own
        // [auth-libvirt-default] section makes "unauthenticated TCP refused" FAIL): see the issue-7 report.
        // LIBVIRT_AUTH_FILE is removed from libvirtd's environment in case a caller sets it for the agent.
        env.put("VIRTGATE_AGENT_LIBVIRTD_RESTART_COMMAND", "env,-u,LIBVIRT_AUTH_FILE,bash," + lab.libvirtdCtl() + ",restart");
        env.put("VIRTGATE_AGENT_PROBE_INTERVAL", "10s");
        env.put("VIRTGATE_AGENT_MIGRATION_PROXY_ENABLED", "true"); // offered; used only while the cluster opts in
        return env;
    }

    public static AgentProcess start(LabHosts lab, String host, Path workDir, Map<String, String> env) {
        Path app = packagedCopy(workDir);
        Path dir = workDir.resolve("agent-" + host);
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        List<String> cmd = List.of("nsenter", "-t", String.valueOf(lab.holderPid(host)), "-n", "-m", "-u", "--",
                "bash", launcher().toString());
        Map<String, String> launch = new HashMap<>(env);
        launch.putIfAbsent("VIRTGATE_AGENT_BUS_CA_FILE", busCaFile(workDir).toString());
        launch.put("VIRTGATE_AGENT_APP_DIR", app.toString());
        launch.put("JAVA", java());
        ManagedProcess p = ManagedProcess.start("host-agent-" + host, cmd, dir, dir.resolve("host-agent.log"), launch);
        AgentProcess agent = new AgentProcess(host, p);
        Awaitility.await("host-agent in " + host + " started (log " + p.log() + ")")
                .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(500))
                .until(() -> {
                    if (!p.isAlive()) {
                        throw new IllegalStateException("host-agent in " + host + " exited; see " + p.log());
                    }
                    return agent.logContains("started in");
                });
        return agent;
    }

    /** The bus CA (PEM) the agents trust for the broker's mTLS listener, in the work directory they all see. */
    public static Path busCaFile(Path workDir) {
        Path file = workDir.resolve("bus-ca.pem");
        try {
            Files.writeString(file, dev.virtgate.testsupport.KafkaServer.shared().busCaPem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return file;
    }

    public boolean logContains(String text) {
        try {
            return Files.readString(process.log()).contains(text);
        } catch (IOException e) {
            return false;
        }
    }

    public String host() {
        return host;
    }

    public long pid() {
        return process.pid();
    }

    public Path log() {
        return process.log();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    public void stop() {
        process.stop();
    }
}
