package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.VirtgateCli;
import dev.virtgate.cli.config.Environment;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestProducer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The operators' CLI (deploy/cli), run in-process through picocli with captured output, against the
 * packaged migration-, pki- and credential-service on a real broker: register, enroll (simulated
 * agents signing with the keys pki-service certified), plan, policy with an upgrade window, migrate
 * --wait while the source agent reports progress and completion, a failed migration, certificates,
 * credentials, audit, and the errors scripts rely on (exit 2 usage, exit 1 with one line).
 */
class CliIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String SUFFIX = UUID.randomUUID().toString().substring(0, 6);
    private static final String CLUSTER = "cli-" + SUFFIX;

    private static ServiceProcess migration;
    private static ServiceProcess pki;
    private static ServiceProcess credential;
    private static EventBus.Recorder bus;

    @TempDir
    static Path home;

    /** What one CLI run left: its exit code and what it printed. */
    record Run(int code, String out, String err) {
        JsonNode json() throws Exception {
            return JSON.readTree(out);
        }

        @Override
        public String toString() {
            return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    /** A simulated agent: its host key, the enrollment token and, once issued, its certificate. */
    record Agent(String hostId, String fqdn, String address, KeyPair key, X509Certificate cert) {
        TestProducer signer() {
            return TestProducer.withKey("virtgate/host-agent/" + hostId, key, List.of(cert));
        }
    }

    private static int httpsPort;

    /** pki-service first: migration-service's HTTPS port trusts client certificates from its CA. */
    @BeforeAll
    static void startServices() throws Exception {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.HOSTS, Topics.PKI));
        pki = ServiceProcess.start("pki-service", ServiceProcess.standardEnv("virtgate_pki"));
        String caPem = Awaitility.await("pki-service publishes its CA").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(pki.url("/v1/ca")))
                        .build(), HttpResponse.BodyHandlers.ofString()), r -> r.statusCode() == 200).body();
        Files.writeString(home.resolve("virtgate-ca.pem"), caPem);
        TlsMaterial.writeServer(home);
        httpsPort = Net.freePort();
        Map<String, String> migrationEnv = new HashMap<>(ServiceProcess.standardEnv("virtgate_migration"));
        migrationEnv.put("VIRTGATE_HTTPS_CERTIFICATE", home.resolve("server.pem").toString());
        migrationEnv.put("VIRTGATE_HTTPS_KEY", home.resolve("server-key.pem").toString());
        migrationEnv.put("VIRTGATE_HTTPS_CLIENT_CA", home.resolve("virtgate-ca.pem").toString());
        migrationEnv.put("QUARKUS_HTTP_SSL_PORT", String.valueOf(httpsPort));
        migration = ServiceProcess.start("migration-service", migrationEnv);
        credential = ServiceProcess.start("credential-service", ServiceProcess.standardEnv("virtgate_credential"));
    }

    @AfterAll
    static void stopServices() {
        for (ServiceProcess s : new ServiceProcess[] {credential, pki, migration}) {
            if (s != null) {
                s.stop();
            }
        }
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void anOperatorRunsTheFleetFromTheCli() throws Exception {
        Agent a = register("cli-a-" + SUFFIX, "10.96.0.1");
        Agent b = register("cli-b-" + SUFFIX, "10.96.0.2");

        Run list = cli("hosts", "list", "--cluster", CLUSTER, "-o", "json");
        assertEquals(0, list.code(), list.toString());
        assertEquals(2, list.json().size(), list.toString());
        Run table = cli("hosts", "list", "--cluster", CLUSTER);
        assertTrue(table.out().startsWith("ID "), table.toString());
        assertTrue(table.out().contains(a.hostId()) && table.out().contains(b.fqdn()), table.toString());

        // plan refuses while the hosts are not enrolled: exit 1, the reasons printed
        Run refused = cli("plan", "vm-cli", a.hostId(), b.hostId());
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("allowed:") && refused.out().contains("false"), refused.toString());

        a = enroll(a);
        b = enroll(b);
        Run show = cli("hosts", "show", a.hostId());
        assertEquals(0, show.code(), show.toString());
        assertTrue(show.out().contains("certificate.serial:") && show.out().contains(a.cert().getSerialNumber()
                .toString(16)), show.toString());

        Run plan = cli("plan", "vm-cli", a.hostId(), b.hostId());
        assertEquals(0, plan.code(), plan.toString());
        assertTrue(plan.out().contains("TLS_NATIVE"), plan.toString());

        policy();
        migrateAndWait(a, b);
        migrationThatFails(a, b);
        credentials(); // before the revocation, which starts a rotation away from the revoked host
        certificates(b);
        audit();
    }

    @Test
    void scriptsCanRelyOnTheExitCodesAndOneLineErrors() throws Exception {
        Run unknown = cli("hosts", "frobnicate");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("Usage: virtgate hosts"), unknown.toString());
        assertEquals(2, cli("hosts", "list", "--colour").code());

        Run missing = run(Map.of(), "hosts", "list");
        assertEquals(1, missing.code(), missing.toString());
        assertOneLine(missing, "virtgate: no token: ");
        assertTrue(missing.err().contains("./virtgate token operator <name>"), missing.toString());

        String expired = jwt(Instant.now().minusSeconds(60));
        Run stale = run(env(expired), "hosts", "list");
        assertEquals(1, stale.code(), stale.toString());
        assertOneLine(stale, "virtgate: the token expired at ");
        assertTrue(stale.err().contains("./virtgate token operator <name>"), stale.toString());
        assertFalse(stale.err().contains(expired), "never the token itself");

        Run forged = run(env("not.a-valid.jwt"), "hosts", "list");
        assertEquals(1, forged.code(), forged.toString());
        assertOneLine(forged, "virtgate: migration-service refused the credentials (401)");

        Run notFound = cli("hosts", "show", "no-such-host");
        assertEquals(1, notFound.code(), notFound.toString());
        assertTrue(notFound.err().startsWith("virtgate: migration-service: Not Found (404)"), notFound.toString());
        assertNoStackTrace(notFound);

        Run viewer = run(env(TestTokens.viewer("bob")), "policy", "set", CLUSTER, "REQUIRE_TLS");
        assertEquals(1, viewer.code(), viewer.toString());
        assertTrue(viewer.err().contains("403"), viewer.toString());
        assertNoStackTrace(viewer);
    }

    /** migration-service's HTTPS port: a client certificate from pki-service instead of a token. */
    @Test
    void aClientCertificateFromPkiServiceReplacesTheToken() throws Exception {
        KeyPair key = Csr.newKey();
        String request = JSON.writeValueAsString(Map.of("name", "carol", "role", "operator",
                "csrPem", TlsMaterial.clientCsr(key, "carol")));
        HttpResponse<String> issued = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(pki.url("/v1/client-certificates"))).header("Authorization", "Bearer " + operator())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, issued.statusCode(), issued.body());
        Path cert = Files.writeString(home.resolve("carol.pem"), JSON.readTree(issued.body()).get("certificatePem")
                .asText());
        Path keyFile = Files.writeString(home.resolve("carol-key.pem"), TlsMaterial.privateKeyPem(key));
        String https = "https://127.0.0.1:" + httpsPort;
        String ca = home.resolve("ca.pem").toString();

        Run listed = run(Map.of(), "hosts", "list", "-o", "json", "--migration-url", https, "--cert", cert.toString(),
                "--key", keyFile.toString(), "--cacert", ca);
        assertEquals(0, listed.code(), listed.toString());
        assertTrue(listed.json().isArray(), listed.toString());

        Run set = run(Map.of(), "policy", "set", "mtls-" + SUFFIX, "ALLOW_SASL_FALLBACK", "--migration-url", https,
                "--cert", cert.toString(), "--key", keyFile.toString(), "--cacert", ca);
        assertEquals(0, set.code(), set.toString());
        assertTrue(set.out().contains("updatedBy:") && set.out().contains("carol"), set.toString());

        Run noCert = run(Map.of("VIRTGATE_TOKEN", "unused"), "hosts", "list", "--migration-url", https, "--cacert", ca);
        assertEquals(1, noCert.code(), noCert.toString());
        assertTrue(noCert.err().startsWith("virtgate: "), noCert.toString());
        assertNoStackTrace(noCert);
    }

    private void policy() throws Exception {
        Run noWindow = cli("policy", "set", CLUSTER, "UPGRADE_WINDOW");
        assertEquals(1, noWindow.code(), noWindow.toString());
        assertTrue(noWindow.err().contains("(422)") && noWindow.err().contains("windowExpiresAt"), noWindow.toString());
        assertNoStackTrace(noWindow);

        Instant before = Instant.now();
        Run set = cli("policy", "set", CLUSTER, "UPGRADE_WINDOW", "--window", "PT2H");
        assertEquals(0, set.code(), set.toString());
        assertTrue(set.out().contains("UPGRADE_WINDOW"), set.toString());
        JsonNode got = cli("policy", "get", CLUSTER, "-o", "json").json();
        assertEquals("UPGRADE_WINDOW", got.get("mode").asText());
        assertTrue(got.get("windowOpen").asBoolean(), got.toString());
        Instant expiry = Instant.parse(got.get("windowExpiresAt").asText());
        assertTrue(!expiry.isBefore(before.plus(Duration.ofHours(2)).minusSeconds(1))
                && expiry.isBefore(Instant.now().plus(Duration.ofHours(2)).plusSeconds(1)), got.toString());
        assertEquals("alice", got.get("updatedBy").asText());

        assertEquals(0, cli("policy", "set", CLUSTER, "REQUIRE_TLS").code());
        assertEquals("REQUIRE_TLS", cli("policy", "get", CLUSTER, "-o", "json").json().get("mode").asText());
    }

    private void migrateAndWait(Agent a, Agent b) throws Exception {
        StringWriter out = new StringWriter();
        CompletableFuture<Run> waiting = CompletableFuture.supplyAsync(() -> run(env(operator()), out,
                "migrate", "vm-cli", a.hostId(), b.hostId(), "--wait", "--poll-interval", "200"));
        String id = awaitMigration(a, "vm-cli");

        a.signer().publish(KafkaResource.bootstrapServers(),
                new MigrationProgress(id, a.hostId(), 1000, 4_000_000, 1_000_000, 3_000_000, 2_000_000));
        Awaitility.await("the CLI shows 25%").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .untilAsserted(() -> assertTrue(out.toString().contains(" 25%  1.9 MiB/s  2.9 MiB remaining (~2s)"),
                        out.toString()));
        assertFalse(waiting.isDone(), "--wait goes on while the migration runs");

        a.signer().publish(KafkaResource.bootstrapServers(), new MigrationCompleted(id, "vm-cli", a.hostId(),
                b.hostId(), MigrationMode.TLS_NATIVE, 2600, 2400L, 37L, 4_100_000L, 1_576_923L));
        Run done = waiting.get(60, TimeUnit.SECONDS);
        assertEquals(0, done.code(), done.toString());
        assertTrue(done.out().startsWith("migration " + id + " accepted (mode TLS_NATIVE)"), done.toString());
        assertTrue(done.out().contains("migration " + id + " COMPLETED in 3s, 3.9 MiB sent at 1.5 MiB/s, downtime 37 ms"),
                done.toString());

        Run show = cli("migrations", "show", id);
        assertTrue(show.out().contains("downtime:") && show.out().contains("37 ms"), show.toString());
        JsonNode listed = cli("migrations", "list", "--host", a.hostId(), "--state", "COMPLETED", "-o", "json").json();
        assertEquals(id, listed.get(0).get("id").asText(), listed.toString());
    }

    private void migrationThatFails(Agent a, Agent b) throws Exception {
        CompletableFuture<Run> waiting = CompletableFuture.supplyAsync(() -> run(env(operator()), new StringWriter(),
                "migrate", "vm-cli-2", a.hostId(), b.hostId(), "--wait", "--poll-interval", "200"));
        String id = awaitMigration(a, "vm-cli-2");
        a.signer().publish(KafkaResource.bootstrapServers(), new MigrationFailed(id, "vm-cli-2", a.hostId(),
                b.hostId(), "destination refused the connection", "unable to connect", 38, false));
        Run failed = waiting.get(60, TimeUnit.SECONDS);
        assertEquals(1, failed.code(), failed.toString());
        assertTrue(failed.out().contains("migration " + id + " FAILED: "), failed.toString());
    }

    private void certificates(Agent b) throws Exception {
        JsonNode certs = cli("certs", "list", "--host", b.hostId(), "-o", "json").json();
        assertEquals(1, certs.size(), certs.toString());
        String serial = certs.get(0).get("serial").asText();
        assertEquals("VALID", certs.get(0).get("status").asText());
        Run revoke = cli("certs", "revoke", serial, "--reason", "key compromise drill");
        assertEquals(0, revoke.code(), revoke.toString());
        assertTrue(revoke.out().contains("certificate " + serial + " of " + b.hostId() + " REVOKED"), revoke.toString());
        Run again = cli("certs", "revoke", serial, "--reason", "again");
        assertEquals(1, again.code(), again.toString());
        assertTrue(again.err().startsWith("virtgate: pki-service: ") && again.err().contains("(409)"), again.toString());
        Run table = cli("certs", "list", "--host", b.hostId());
        assertTrue(table.out().contains("REVOKED"), table.toString());
    }

    private void credentials() throws Exception {
        Run status = Awaitility.await("credential-service knows " + CLUSTER).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> cli("credentials", "status", CLUSTER), r -> r.code() == 0);
        assertTrue(status.out().contains("clusterId:") && status.out().contains(CLUSTER), status.toString());
        Run rotating = cli("credentials", "status", CLUSTER, "-o", "json");
        if (rotating.json().path("rotationInProgress").asBoolean()) { // the simulated agents never acknowledge
            Run busy = cli("credentials", "rotate", CLUSTER);
            assertEquals(1, busy.code(), busy.toString());
            assertTrue(busy.err().contains("(409)") && busy.err().contains("phase:"), busy.toString());
            return;
        }
        Run rotate = cli("credentials", "rotate", CLUSTER);
        assertEquals(0, rotate.code(), rotate.toString());
        assertTrue(rotate.out().startsWith("rotation ") && rotate.out().contains("phase STAGED"), rotate.toString());
        assertFalse(rotate.out().toLowerCase().contains("password"), rotate.toString());
        Run busy = cli("credentials", "rotate", CLUSTER);
        assertEquals(1, busy.code(), busy.toString());
        assertTrue(busy.err().contains("(409)") && busy.err().contains("phase:"), busy.toString());
    }

    /** GET /v1/audit is built in another branch: until it is merged, the CLI says so and exits 1. */
    private void audit() throws Exception {
        Run audit = cli("audit", "--size", "100");
        if (status(migration.url("/v1/audit")) == 404) {
            assertEquals(1, audit.code(), audit.toString());
            assertTrue(audit.err().contains("virtgate: audit not available on migration-service"), audit.toString());
            assertNoStackTrace(audit);
            return;
        }
        assertEquals(0, audit.code(), audit.toString());
        for (String action : List.of("host.register", "policy.set", "migration.start", "certificate.revoke",
                "credential.rotate")) {
            assertTrue(audit.out().contains(action), action + " in\n" + audit);
        }
        JsonNode items = cli("audit", "--actor", "alice", "--action", "policy.set", "-o", "json").json().get("items");
        assertTrue(items.size() >= 3, items.toString());
    }

    // ---------------------------------------------------------------- the simulated agents

    private Agent register(String hostId, String address) throws Exception {
        String fqdn = hostId + ".lab.virtgate.test";
        // 503 until pki-service has published its CA
        Run registered = Awaitility.await("hosts register once the CA is published").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> cli("hosts", "register", "--id", hostId, "--cluster", CLUSTER, "--fqdn", fqdn,
                        "--management-address", address, "-o", "json"), r -> !r.err().contains("(503)"));
        assertEquals(0, registered.code(), registered.toString());
        JsonNode bundle = registered.json();
        assertTrue(bundle.get("caCertSha256").asText().matches("^sha256:[0-9a-f]{64}$"), bundle.toString());
        KeyPair key = Csr.newKey();
        String csr = Csr.pem(key, fqdn, List.of(fqdn), List.of(address));
        HostEnrolled enrolled = new HostEnrolled(hostId, CLUSTER, fqdn, csr,
                EnrollmentKey.fromToken(hostId, bundle.get("enrollmentToken").asText()).prove(hostId, CLUSTER, fqdn, csr),
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"), List.of("tls:16514"),
                        UUID.randomUUID().toString(), "e2e"));
        bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(30));
        TestProducer.withKey("virtgate/host-agent/" + hostId, key, null).publish(KafkaResource.bootstrapServers(),
                enrolled);
        return new Agent(hostId, fqdn, address, key, null);
    }

    /** pki-service certifies the key; the agent reports a passing posture with it; the host becomes TLS-ready. */
    private Agent enroll(Agent agent) throws Exception {
        EventBus.Seen issued = bus.await("virtgate.pki.cert-issued.v1", s -> agent.hostId().equals(s.key()),
                Duration.ofSeconds(60));
        JsonNode cert = JSON.readTree(issued.payload());
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(cert.get("certificatePem").asText().getBytes(StandardCharsets.US_ASCII)));
        Agent certified = new Agent(agent.hostId(), agent.fqdn(), agent.address(), agent.key(), x509);
        certified.signer().publish(KafkaResource.bootstrapServers(), new HostConfigured(agent.hostId(), CLUSTER,
                cert.get("serial").asText(), x509.getNotAfter().toInstant(), "rot-1", 1, CredentialPhase.ACTIVE,
                true, true, true, List.of(new PostureCheck("unauthenticated-tcp-refused", CheckStatus.PASS, null)),
                null, Instant.now()));
        Awaitility.await(agent.hostId() + " TLS-ready").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> cli("hosts", "show", agent.hostId(), "-o", "json").json().path("tlsReady").asBoolean());
        return certified;
    }

    private String awaitMigration(Agent source, String vm) {
        return Awaitility.await("migration of " + vm + " accepted").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (JsonNode m : cli("migrations", "list", "--host", source.hostId(), "-o", "json").json()) {
                        if (vm.equals(m.get("vmName").asText())) {
                            return m.get("id").asText();
                        }
                    }
                    return null;
                }, id -> id != null);
    }

    // ---------------------------------------------------------------- running the CLI

    private static String operator() {
        return TestTokens.operator("alice");
    }

    private static Run cli(String... args) {
        return run(env(operator()), args);
    }

    private static Run run(Map<String, String> env, String... args) {
        return run(env, new StringWriter(), args);
    }

    private static Run run(Map<String, String> env, StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        int code = VirtgateCli.run(new Environment(env, home), false, new PrintWriter(out, true),
                new PrintWriter(err, true), args);
        return new Run(code, out.toString(), err.toString());
    }

    private static Map<String, String> env(String token) {
        Map<String, String> env = new HashMap<>();
        env.put("VIRTGATE_TOKEN", token);
        env.put("VIRTGATE_MIGRATION_URL", migration.url(""));
        env.put("VIRTGATE_PKI_URL", pki.url(""));
        env.put("VIRTGATE_CREDENTIAL_URL", credential.url(""));
        return env;
    }

    private static void assertOneLine(Run run, String prefix) {
        assertTrue(run.err().startsWith(prefix), run.toString());
        assertEquals(1, run.err().split("\n").length, run.toString());
        assertEquals("", run.out());
    }

    private static void assertNoStackTrace(Run run) {
        assertFalse(run.err().contains("Exception") || run.err().contains("\tat "), run.toString());
    }

    private static int status(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + operator()).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    /** A JWT-shaped token whose exp has passed; the CLI refuses it before sending anything. */
    private static String jwt(Instant exp) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"alice\",\"groups\":[\"operator\"],\"exp\":" + exp.getEpochSecond()
                        + "}").getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }
}
