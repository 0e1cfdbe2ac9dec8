package dev.virtgate.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.BusAccess;
import dev.virtgate.testsupport.DebSandbox;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.Workspace;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Issue 17's installable agent against the real stack: the {@code .deb} host-agent builds is installed
 * with {@code dpkg -i} on a lab host (a {@link DebSandbox} inside the host's namespaces: /usr, /etc and
 * /var are overlays under target/, the host's private /etc/libvirt, /etc/pki and /etc/hosts on top, so
 * nothing reaches this machine), {@code virtgate-agent enroll} writes agent.env from the enrollment
 * bundle migration-service answered, and the agent is started as the unit's ExecStart starts it
 * ({@link UnitLaunch}: the installed unit, agent.env, systemd's PATH and nothing of this JVM's
 * environment). It logs in to the real broker as {@code host-agent} and to the real OpenBao, enrolls,
 * gets its certificate from pki-service and its cluster credential from credential-service, writes
 * them under the installed paths, and its host becomes TLS-ready.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class InstalledAgentIT {
    /**
     * Not vg-h1 or vg-h2: EndToEndIT registers those, and the services of every IT of this module share
     * their databases, the broker and OpenBao; a host id or FQDN registered twice is refused.
     */
    static final String HOST = "vg-h3";
    static final String CLUSTER = "installed";
    static final String ENV = "/etc/virtgate/agent.env";
    static final String UNIT = "/lib/systemd/system/virtgate-agent.service";
    static final String STATE = "/var/lib/virtgate-agent";
    static final Path WORK = Path.of("target", "installed-agent").toAbsolutePath();
    static final Path DEB = Workspace.repositoryRoot().resolve("services/host-agent/target/virtgate-agent.deb");
    static final List<String> MACHINE_PATHS = List.of("/usr/bin/virtgate-agent", "/usr/lib/virtgate-agent",
            "/etc/virtgate", UNIT, "/var/cache/virtgate-agent", STATE + "/host-key.pem");
    static final ObjectMapper JSON = new ObjectMapper();

    static LabHosts lab;
    static boolean labCreated;
    static ServiceProcess migration;
    static ServiceProcess pki;
    static ServiceProcess credential;
    static DebSandbox sandbox;
    static List<Boolean> machineBefore;
    static String token;
    static String busPassword;
    static Process agent;
    static Path agentLog;

    @BeforeAll
    static void startTheStackAndTheLab() throws Exception {
        assumeTrue(LabHosts.supported() && DebSandbox.available(), "needs root, nsenter, unshare and dpkg");
        assumeTrue(Files.exists(DEB), "needs the package: mvn -pl services/host-agent package");
        machineBefore = existing();
        Workspace.deleteTree(WORK);
        Files.createDirectories(WORK);
        lab = new LabHosts(WORK);
        if (lab.exists()) {
            fail("a lab already exists on this machine (" + lab.stateDir() + "): run deploy/lab/lab.sh destroy first");
        }
        String kafka = KafkaResource.bootstrapServers();
        OpenBaoServer bao = OpenBaoServer.shared();
        // the three services start while the lab host does (2 cores: the JVMs' start-up overlaps lab.sh's waits)
        CompletableFuture<ServiceProcess> m = CompletableFuture.supplyAsync(() ->
                ServiceProcess.start("migration-service", ServiceProcess.standardEnv("virtgate_migration")));
        CompletableFuture<ServiceProcess> p = CompletableFuture.supplyAsync(() ->
                ServiceProcess.start("pki-service", ServiceProcess.standardEnv("virtgate_pki")));
        CompletableFuture<ServiceProcess> c = CompletableFuture.supplyAsync(() ->
                ServiceProcess.start("credential-service", ServiceProcess.standardEnv("virtgate_credential")));
        labCreated = true;
        try {
            lab.create(3, false);
        } finally { // whatever started is stopped by tearDown, even when something else did not start
            migration = started(m);
            pki = started(p);
            credential = started(c);
        }
        m.join();
        p.join();
        c.join();
        lab.forward(HOST, URI.create("tcp://" + kafka).getPort(),
                URI.create("tcp://" + KafkaServer.shared().hostsBootstrapServers()).getPort(),
                URI.create(bao.address()).getPort(), pki.port());
        sandbox = DebSandbox.inside(List.of("nsenter", "-t", String.valueOf(lab.holderPid(HOST)), "-n", "-m", "-u", "--"),
                WORK.resolve("sandbox"));
        busPassword = KafkaServer.shared().password(BusAccess.HOST_ENROLLMENT);
    }

    @AfterAll
    static void tearDown() throws Exception {
        stopAgent();
        if (labCreated) {
            lab.destroy();
        }
        for (ServiceProcess s : new ServiceProcess[] {credential, pki, migration}) {
            if (s != null) {
                s.stop();
            }
        }
        if (sandbox != null) {
            sandbox.close();
            assertThat(sandbox.dir()).doesNotExist();
        }
        if (labCreated) {
            String left = new String(new ProcessBuilder("ip", "netns", "list").start().getInputStream().readAllBytes(),
                    StandardCharsets.UTF_8);
            assertThat(left.lines().filter(l -> l.matches("^(vg-lab|vg-h[0-9]+)( .*)?$"))).as("lab namespaces left").isEmpty();
            assertThat(Path.of(lab.stateDir())).as("lab state dir left").doesNotExist();
        }
        if (machineBefore != null) {
            assertThat(existing()).as("nothing the package or the agent wrote reached the machine: " + MACHINE_PATHS)
                    .isEqualTo(machineBefore);
        }
    }

    @Test
    @Order(1)
    void theInstalledEnrollWritesAgentEnvFromTheRealEnrollmentBundle() throws Exception {
        Response bundle = Awaitility.await("POST /v1/hosts once pki-service published its CA")
                .atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1))
                .until(() -> given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                        .contentType(ContentType.JSON)
                        .body(Map.of("hostId", HOST, "clusterId", CLUSTER, "fqdn", lab.fqdn(HOST),
                                "dnsNames", List.of(lab.fqdn(HOST)), "managementAddresses", List.of(lab.address(HOST)),
                                "migrationAddresses", List.of(lab.migrationAddress(HOST))))
                        .post("/v1/hosts"), r -> r.statusCode() != 503);
        assertThat(bundle.statusCode()).as(bundle.asString()).isEqualTo(201);
        token = bundle.path("enrollmentToken");
        String caHash = bundle.path("caCertSha256");

        DebSandbox.Result install = sandbox.run("dpkg", "-i", DEB.toString());
        assertThat(install.exit()).as(install.both()).isZero();

        // the bus password reaches enroll as the docs say: in a file only root reads
        Path passwordFile = Files.writeString(WORK.resolve("bus-password"), busPassword + "\n");
        Files.setPosixFilePermissions(passwordFile, PosixFilePermissions.fromString("rw-------"));
        Path busCa = Files.writeString(WORK.resolve("given-bus-ca.pem"), KafkaServer.shared().busCaPem());
        DebSandbox.Result enrolled = sandbox.run("/usr/bin/virtgate-agent", "enroll",
                "--server", "http://127.0.0.1:" + pki.port(), "--token", token, "--ca-hash", caHash,
                "--host-id", HOST, "--cluster", CLUSTER, "--fqdn", lab.fqdn(HOST),
                "--management-address", lab.address(HOST), "--migration-address", lab.migrationAddress(HOST),
                "--bus", KafkaResource.bootstrapServers(), "--bus-password-file", passwordFile.toString(),
                "--bus-tls", KafkaServer.shared().hostsBootstrapServers(), "--bus-ca-file", busCa.toString(),
                "--openbao", OpenBaoServer.shared().address());
        Files.delete(passwordFile);
        assertThat(enrolled.exit()).as(enrolled.both()).isZero();
        assertThat(enrolled.both()).doesNotContain(token).doesNotContain(busPassword);
        assertThat(sandbox.stat(ENV)).isEqualTo("600 root:root");
        assertThat(sandbox.read(ENV)).contains("VIRTGATE_AGENT_HOST_ID=\"" + HOST + "\"",
                "VIRTGATE_AGENT_CA_FINGERPRINT=\"" + caHash + "\"",
                "KAFKA_BOOTSTRAP_SERVERS=\"" + KafkaResource.bootstrapServers() + "\"",
                "QUARKUS_VAULT_URL=\"" + OpenBaoServer.shared().address() + "\"",
                "VIRTGATE_AGENT_BUS_TLS_BOOTSTRAP_SERVERS=\"" + KafkaServer.shared().hostsBootstrapServers() + "\"",
                "VIRTGATE_AGENT_BUS_CA_FILE=\"/etc/virtgate/bus-ca.pem\"");
        assertThat(sandbox.stat("/etc/virtgate/bus-ca.pem")).isEqualTo("644 root:root");
        assertThat(sandbox.read("/etc/virtgate/bus-ca.pem")).isEqualTo(KafkaServer.shared().busCaPem());
    }

    @Test
    @Order(2)
    void theAgentStartedAsItsUnitStartsItEnrollsAndItsHostBecomesTlsReady() throws Exception {
        assumeTrue(token != null, "enroll wrote agent.env");
        // The one line a lab host needs on top of the unit (a drop-in would say it): no systemd runs its libvirtd.
        // Like systemctl, which has PID 1 restart libvirtd outside the agent's own mount namespace, the command
        // restarts it in the host's namespaces, not in the sandbox's.
        String dropIn = "[Service]\nEnvironment=VIRTGATE_AGENT_LIBVIRTD_RESTART_COMMAND=nsenter,-t," + lab.holderPid(HOST)
                + ",-n,-m,-u,--,bash," + lab.libvirtdCtl() + ",restart\n";
        UnitLaunch unit = UnitLaunch.of(List.of(sandbox.read(UNIT), dropIn), sandbox.read(ENV));
        assertThat(unit.environmentFile).isEqualTo(ENV);
        assertThat(unit.command).containsExactly("/usr/bin/virtgate-agent", "-Djna.tmpdir=/tmp");
        agentLog = WORK.resolve("installed-agent.log");
        ProcessBuilder pb = new ProcessBuilder(sandbox.command(unit.command.toArray(String[]::new)))
                .redirectErrorStream(true).redirectOutput(agentLog.toFile()).redirectInput(new File("/dev/null"));
        pb.environment().clear(); // nothing of this JVM's environment: what the unit gives, and only that
        pb.environment().putAll(unit.environment);
        agent = pb.start(); // nsenter, unshare and sandbox.sh exec: this PID is the agent's JVM

        JsonNode host = awaitTlsReady(Duration.ofSeconds(150));
        assertThat(host.path("status").asText()).isEqualTo("ENROLLED");
        String serial = host.path("certificate").path("serial").asText();
        assertThat(host.path("certificate").path("appliedSerial").asText()).as("applied on the host").isEqualTo(serial);

        JsonNode issued = JSON.readTree(given().baseUri(pki.url("")).auth().oauth2(TestTokens.viewer("bob"))
                .queryParam("hostId", HOST).get("/v1/certificates").asString());
        assertThat(issued).hasSize(1);
        assertThat(issued.get(0).path("serial").asText()).isEqualTo(serial);
        assertThat(issued.get(0).path("status").asText()).isEqualTo("VALID");
        assertThat(sandbox.read("/etc/pki/libvirt/servercert.pem").strip())
                .isEqualTo(issued.get(0).path("certificatePem").asText().strip());

        assertThat(sandbox.stat("/etc/pki/CA/cacert.pem")).isEqualTo("644 root:root");
        assertThat(sandbox.stat("/etc/pki/libvirt/servercert.pem")).isEqualTo("644 root:root");
        assertThat(sandbox.stat("/etc/pki/libvirt/private/serverkey.pem")).isEqualTo("600 root:root");
        assertThat(sandbox.stat("/etc/pki/libvirt/private/clientkey.pem")).isEqualTo("600 root:root");
        assertThat(sandbox.stat("/etc/pki/qemu/server-key.pem")).startsWith("640 root:");
        assertThat(sandbox.stat(STATE)).isEqualTo("700 root:root");
        for (String secret : List.of("host-key.pem", "state.json", "openbao-token")) {
            assertThat(sandbox.stat(STATE + "/" + secret)).as(secret).isEqualTo("600 root:root");
        }
        // the lab host's own libvirt files, the installed state in the sandbox: where each belongs
        assertThat(lab.hostDir(HOST).resolve("etc/pki/libvirt/servercert.pem")).exists();
        assertThat(sandbox.dir().resolve("upper" + STATE + "/host-key.pem")).exists();
        assertThat(Files.readString(lab.hostDir(HOST).resolve("etc/libvirt/libvirtd.conf")))
                .contains("listen_tcp = 0", "auth_tls = \"sasl\"");

        String cmdline = Files.readString(Path.of("/proc/" + agent.pid() + "/cmdline")).replace('\0', ' ');
        assertThat(cmdline).contains("-Djna.tmpdir=/tmp", "-XX:SharedArchiveFile=/var/cache/virtgate-agent/host-agent.jsa",
                "-jar /usr/lib/virtgate-agent/quarkus-run.jar");
        assertThat(log()).doesNotContain(token).doesNotContain(busPassword)
                .doesNotContain("Unable to use shared archive").doesNotContain("SaslAuthenticationException");
    }

    private static ServiceProcess started(CompletableFuture<ServiceProcess> service) {
        try {
            return service.join();
        } catch (java.util.concurrent.CompletionException e) {
            return null;
        }
    }

    private static JsonNode awaitTlsReady(Duration timeout) {
        JsonNode[] last = new JsonNode[1];
        try {
            Awaitility.await("GET /v1/hosts/" + HOST + ": enrolled, posture all PASS, TLS-ready")
                    .atMost(timeout).pollInterval(Duration.ofSeconds(1)).until(() -> {
                        assertThat(agent.isAlive()).as(InstalledAgentIT::log).isTrue();
                        Response r = given().baseUri(migration.url("")).auth().oauth2(TestTokens.viewer("bob"))
                                .get("/v1/hosts/" + HOST);
                        last[0] = JSON.readTree(r.asString());
                        return last[0].path("posture").path("allPass").asBoolean() && last[0].path("tlsReady").asBoolean();
                    });
        } catch (org.awaitility.core.ConditionTimeoutException e) {
            fail("not TLS-ready within " + timeout + "; last GET /v1/hosts/" + HOST + ": " + last[0] + "; agent log " + agentLog);
        }
        return last[0];
    }

    private static String log() {
        try {
            return Files.readString(agentLog);
        } catch (IOException e) {
            return "";
        }
    }

    private static void stopAgent() throws InterruptedException {
        if (agent == null) {
            return;
        }
        agent.destroy(); // SIGTERM to the agent's own PID, as systemctl stop sends it
        if (!agent.waitFor(30, TimeUnit.SECONDS)) {
            agent.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        assertThat(agent.isAlive()).isFalse();
    }

    private static List<Boolean> existing() {
        List<Boolean> out = new ArrayList<>();
        MACHINE_PATHS.forEach(p -> out.add(Files.exists(Path.of(p))));
        return out;
    }
}
