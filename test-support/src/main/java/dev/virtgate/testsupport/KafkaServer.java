package dev.virtgate.testsupport;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import dev.virtgate.bus.BusBootstrap;
import dev.virtgate.bus.BusListenerCert;
import dev.virtgate.bus.HostBusAccess;
import dev.virtgate.bus.BusSecurity;
import dev.virtgate.contracts.BusAccess;
import org.apache.kafka.common.Uuid;
import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * A real Kafka broker (KRaft, combined broker and controller) run as a process from Apache Kafka's
 * own jars, which {@code ./virtgate install} fetches from Maven Central. One per test JVM; it can be
 * stopped and started again on the same ports and data (for broker-restart tests). Secured as the
 * local stack is ({@link BusSecurity}): SCRAM principals, ACLs from {@link BusAccess}, no anonymous
 * access; test harness code (playing the operator, or an attacker with broker access) uses
 * {@link #harnessConfig()}, services and agents {@link #password(String) their own principal}.
 * Agents with a host certificate use the mTLS listener ({@link #hostsBootstrapServers()},
 * {@link #hostClientConfig}); a test that plays pki-service makes the broker trust its CA and
 * grants hosts with {@link #trustHostCa}, {@link #grantHost} and {@link #withdrawHost}.
 */
public final class KafkaServer {
    /** System property with the broker's JVM flags; benchmarks set {@link #SHIPPED_JVM_OPTS}. */
    public static final String JVM_OPTS = "virtgate.kafka.jvm-opts";
    /** Tests: a quick start (C1 only, Serial GC) matters more than throughput. */
    static final String TEST_JVM_OPTS = "-Xms128m -Xmx512m -XX:+UseSerialGC -XX:TieredStopAtLevel=1";
    /** What kafka-server-start.sh runs with (its KAFKA_JVM_PERFORMANCE_OPTS), heap halved. */
    public static final String SHIPPED_JVM_OPTS = "-Xms512m -Xmx512m -XX:+UseG1GC -XX:MaxGCPauseMillis=20 "
            + "-XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent";
    private static KafkaServer shared;

    private final Path dir;
    private final int port;
    private final int controllerPort;
    private final int hostsPort;
    private final BusListenerCert listenerCert;
    private final Path libs;
    private ManagedProcess process;
    private final Map<String, String> passwords = new java.util.TreeMap<>();

    private KafkaServer(Path dir, Path libs) {
        this.dir = dir;
        this.libs = libs;
        this.port = Net.freePort();
        this.controllerPort = Net.freePort();
        this.hostsPort = Net.freePort();
        this.listenerCert = BusListenerCert.create(List.of("localhost"), List.of(Net.LOOPBACK));
        java.security.SecureRandom random = new java.security.SecureRandom();
        for (String principal : principals()) {
            byte[] bytes = new byte[16];
            random.nextBytes(bytes);
            passwords.put(principal, java.util.HexFormat.of().formatHex(bytes));
        }
    }

    private static List<String> principals() {
        List<String> all = new java.util.ArrayList<>(BusAccess.principals());
        all.add(BusSecurity.ADMIN);
        return all;
    }

    /** The password of one of virtgate's principals ({@link BusAccess#principals()}). */
    public String password(String principal) {
        String password = passwords.get(principal);
        if (password == null || BusSecurity.ADMIN.equals(principal)) {
            throw new IllegalArgumentException("no bus principal " + principal);
        }
        return password;
    }

    /**
     * The SCRAM password a component starts with: its own principal's; a host agent's is the
     * enrollment principal's (it logs in with its host certificate once it has one).
     */
    public String startingPassword(String component) {
        return password(BusAccess.HOST_AGENT.equals(component) ? BusAccess.HOST_ENROLLMENT : component);
    }

    /** Client settings of a principal: bootstrap servers and its SCRAM login. */
    public Map<String, Object> clientConfig(String principal) {
        return BusSecurity.clientConfig(bootstrapServers(), principal, password(principal));
    }

    /** Settings of an agent logging in on the mTLS listener with its host certificate (PEM key and chain). */
    public Map<String, Object> hostClientConfig(String keyPem, String chainPem) {
        return BusSecurity.hostClientConfig(hostsBootstrapServers(), keyPem, chainPem, busCaPem());
    }

    /** The bus CA (PEM): what agents trust for the broker's certificate on the mTLS listener. */
    public String busCaPem() {
        return listenerCert.caPem();
    }

    public String hostsBootstrapServers() {
        return Net.LOOPBACK + ":" + hostsPort;
    }

    /** As pki-service does: the mTLS listener accepts client certificates of exactly this CA bundle. */
    public void trustHostCa(String caBundlePem) {
        admin(a -> HostBusAccess.trust(a, caBundlePem));
    }

    /** As pki-service does when it issues a host certificate: that host's ACLs. */
    public void grantHost(String fqdn, String clusterId, String hostId) {
        admin(a -> HostBusAccess.grant(a, fqdn, clusterId, hostId));
    }

    /** As pki-service does when a host has no valid certificate left: none of its ACLs. */
    public void withdrawHost(String fqdn, String clusterId, String hostId) {
        admin(a -> HostBusAccess.withdraw(a, fqdn, clusterId, hostId));
    }

    private interface AdminCall {
        void run(Admin admin) throws Exception;
    }

    private void admin(AdminCall call) {
        try (Admin admin = Admin.create(harnessConfig())) {
            call.run(admin);
        } catch (Exception e) {
            throw new IllegalStateException("bus admin operation failed on " + bootstrapServers(), e);
        }
    }

    /** Client settings of the super user: for test harness code only, never for a service under test. */
    public Map<String, Object> harnessConfig() {
        return BusSecurity.clientConfig(bootstrapServers(), BusSecurity.ADMIN, passwords.get(BusSecurity.ADMIN));
    }

    /** The JVM-wide broker, started on first use. */
    public static synchronized KafkaServer shared() {
        if (shared == null) {
            Path libs = Workspace.env("VIRTGATE_KAFKA_LIBS").map(Path::of)
                    .orElseGet(() -> Workspace.home().resolve("kafka/libs"));
            if (!Files.isDirectory(libs)) {
                throw new IllegalStateException(Workspace.missingPrerequisite("Kafka (" + libs + ")"));
            }
            shared = StartRetry.once("Kafka", () -> {
                KafkaServer server = new KafkaServer(Workspace.scratch("kafka"), libs);
                try {
                    server.format();
                    server.start();
                    server.createTopics();
                    return server;
                } catch (RuntimeException e) {
                    server.stop();
                    throw e;
                }
            });
        }
        return shared;
    }

    public String bootstrapServers() {
        return Net.LOOPBACK + ":" + port;
    }

    private void format() {
        try {
            Files.writeString(dir.resolve("server.properties"), String.join("\n",
                    "process.roles=broker,controller",
                    "node.id=1",
                    "controller.quorum.voters=1@127.0.0.1:" + controllerPort,
                    "listeners=CLIENTS://127.0.0.1:" + port + ",CONTROLLER://127.0.0.1:" + controllerPort
                            + ",HOSTS://127.0.0.1:" + hostsPort,
                    "advertised.listeners=CLIENTS://127.0.0.1:" + port + ",HOSTS://127.0.0.1:" + hostsPort,
                    String.join("\n", BusSecurity.brokerProperties(passwords.get(BusSecurity.ADMIN), listenerCert)),
                    "log.dirs=" + dir.resolve("data"),
                    "num.partitions=3",
                    "auto.create.topics.enable=true",
                    "offsets.topic.replication.factor=1",
                    "transaction.state.log.replication.factor=1",
                    "transaction.state.log.min.isr=1",
                    "group.initial.rebalance.delay.ms=0",
                    "log.flush.interval.messages=1000000",
                    ""));
            Files.setPosixFilePermissions(dir.resolve("server.properties"),
                    java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ManagedProcess.run("kafka-storage-format", List.of(java(), "-cp", libs + "/*", "kafka.tools.StorageTool",
                "format", "-t", Uuid.randomUuid().toString(), "-c", "server.properties", "--add-scram",
                BusSecurity.formatScramArgument(passwords.get(BusSecurity.ADMIN))), dir, dir.resolve("format.log"),
                Duration.ofSeconds(60));
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        List<String> command = new java.util.ArrayList<>(List.of(java()));
        command.addAll(List.of(System.getProperty(JVM_OPTS, TEST_JVM_OPTS).trim().split("\\s+")));
        command.addAll(List.of("-cp", libs + "/*", "kafka.Kafka", "server.properties"));
        process = ManagedProcess.start("kafka", command, dir,
                dir.resolve("kafka.log"), Map.of());
        Awaitility.await("Kafka on " + bootstrapServers() + " (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("Kafka exited; see " + process.log());
                    }
                    return ready();
                });
    }

    /**
     * Creates every virtgate topic up front, as an operator would (consumers that subscribe before the
     * first producer writes would otherwise wait for metadata of a topic that does not exist yet), and
     * the principals and ACLs of {@link BusAccess}.
     */
    private void createTopics() {
        try (Admin admin = Admin.create(harnessConfig())) {
            BusBootstrap.apply(admin, java.util.Map.copyOf(passwords), 3, (short) 1);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create the virtgate topics and ACLs on " + bootstrapServers(), e);
        }
    }

    public synchronized void stop() {
        if (process != null) {
            process.stop();
        }
    }

    private boolean ready() {
        if (!Net.accepts(Net.LOOPBACK, port)) {
            return false;
        }
        Properties props = new Properties();
        props.putAll(harnessConfig());
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 2000);
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 3000);
        try (Admin admin = Admin.create(props)) {
            return !admin.describeCluster().nodes().get(3, TimeUnit.SECONDS).isEmpty();
        } catch (Exception e) {
            return false;
        }
    }

    private static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }
}
