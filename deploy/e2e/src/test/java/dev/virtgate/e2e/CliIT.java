package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.Workspace;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

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
    private static SimulatedHosts hosts;
    private static CliSession session;

    @TempDir
    static Path home;

    private static int httpsPort;

    /** pki-service first: migration-service's HTTPS port trusts client certificates from its CA. */
    @BeforeAll
    static void startServices() throws Exception {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.HOSTS, Topics.PKI));
        hosts = new SimulatedHosts(CLUSTER, bus, CliIT::cli, home);
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
        session = new CliSession(home, Map.of("VIRTGATE_MIGRATION_URL", migration.url(""),
                "VIRTGATE_PKI_URL", pki.url(""), "VIRTGATE_CREDENTIAL_URL", credential.url("")));
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
        SimulatedAgent a = hosts.register("cli-a-" + SUFFIX, "10.96.0.1");
        SimulatedAgent b = hosts.register("cli-b-" + SUFFIX, "10.96.0.2");

        CliRun list = cli("hosts", "list", "--cluster", CLUSTER, "-o", "json");
        assertEquals(0, list.code(), list.toString());
        assertEquals(2, list.json().size(), list.toString());
        CliRun table = cli("hosts", "list", "--cluster", CLUSTER);
        assertTrue(table.out().startsWith("ID "), table.toString());
        assertTrue(table.out().contains(a.hostId()) && table.out().contains(b.fqdn()), table.toString());

        // plan refuses while the hosts are not enrolled: exit 1, the reasons printed
        CliRun refused = cli("plan", "vm-cli", a.hostId(), b.hostId());
        assertEquals(1, refused.code(), refused.toString());
        assertTrue(refused.out().contains("allowed:") && refused.out().contains("false"), refused.toString());

        a = hosts.certified(a);
        b = hosts.certified(b);
        CliRun show = cli("hosts", "show", a.hostId());
        assertEquals(0, show.code(), show.toString());
        assertTrue(show.out().contains("certificate.serial:") && show.out().contains(a.cert().getSerialNumber()
                .toString(16)), show.toString());

        CliRun plan = cli("plan", "vm-cli", a.hostId(), b.hostId());
        assertEquals(0, plan.code(), plan.toString());
        assertTrue(plan.out().contains("TLS_NATIVE"), plan.toString());

        CliFleetSteps steps = new CliFleetSteps(session, hosts, CLUSTER, SUFFIX, migration.url(""));
        steps.bundleFileAndDecommission();
        steps.policy();
        steps.migrateAndWait(a, b);
        steps.migrationThatFails(a, b);
        steps.migrationCancelled(a, b);
        steps.credentials(); // before the revocation, which starts a rotation away from the revoked host
        steps.certificates(b);
        steps.audit();
    }

    @Test
    void scriptsCanRelyOnTheExitCodesAndOneLineErrors() throws Exception {
        CliRun unknown = cli("hosts", "frobnicate");
        assertEquals(2, unknown.code(), unknown.toString());
        assertTrue(unknown.err().contains("Usage: virtgate hosts"), unknown.toString());
        assertEquals(2, cli("hosts", "list", "--colour").code());

        CliRun missing = run(Map.of(), "hosts", "list");
        assertEquals(1, missing.code(), missing.toString());
        missing.assertOneLineError("virtgate: no token: ");
        assertTrue(missing.err().contains("./virtgate token operator <name>"), missing.toString());

        String expired = CliRun.expiredJwt(Instant.now().minusSeconds(60));
        CliRun stale = run(env(expired), "hosts", "list");
        assertEquals(1, stale.code(), stale.toString());
        stale.assertOneLineError("virtgate: the token expired at ");
        assertTrue(stale.err().contains("./virtgate token operator <name>"), stale.toString());
        assertFalse(stale.err().contains(expired), "never the token itself");

        CliRun forged = run(env("not.a-valid.jwt"), "hosts", "list");
        assertEquals(1, forged.code(), forged.toString());
        forged.assertOneLineError("virtgate: migration-service refused the credentials (401)");

        CliRun notFound = cli("hosts", "show", "no-such-host");
        assertEquals(1, notFound.code(), notFound.toString());
        assertTrue(notFound.err().startsWith("virtgate: migration-service: Not Found (404)"), notFound.toString());
        notFound.assertNoStackTrace();

        CliRun viewer = run(env(TestTokens.viewer("bob")), "policy", "set", CLUSTER, "REQUIRE_TLS");
        assertEquals(1, viewer.code(), viewer.toString());
        assertTrue(viewer.err().contains("403"), viewer.toString());
        viewer.assertNoStackTrace();
    }

    /** ./virtgate hands the CLI's nouns to the jar (as a process: bash, then java) and keeps its exit code. */
    @Test
    void theLauncherDispatchesToTheCli() throws Exception {
        Path jar = Workspace.repositoryRoot().resolve("deploy/cli/target/virtgate-cli.jar");
        Assumptions.assumeTrue(Files.isRegularFile(jar), "deploy/cli is packaged");
        CliRun listed = CliRun.ofLauncher(home, env(operator()), "hosts", "list", "-o", "json");
        assertEquals(0, listed.code(), listed.toString());
        assertTrue(listed.json().isArray(), listed.toString());
        CliRun unknownVerb = CliRun.ofLauncher(home, env(operator()), "hosts", "frobnicate");
        assertEquals(2, unknownVerb.code(), unknownVerb.toString());
        assertTrue(unknownVerb.err().contains("Usage: virtgate hosts"), unknownVerb.toString());
        CliRun noToken = CliRun.ofLauncher(home, Map.of(), "migrations", "list");
        assertEquals(1, noToken.code(), noToken.toString());
        noToken.assertOneLineError("virtgate: no token: ");
        CliRun unknownNoun = CliRun.ofLauncher(home, Map.of(), "frobnicate");
        assertEquals(2, unknownNoun.code(), unknownNoun.toString());
        assertTrue(unknownNoun.err().contains("./virtgate {hosts|plan|migrate|migrations|policy|credentials|certs|audit}"),
                unknownNoun.toString());
    }

    /** migration-service's HTTPS port: a client certificate from pki-service instead of a token. */
    @Test
    void aClientCertificateFromPkiServiceReplacesTheToken() throws Exception {
        KeyPair key = TestKeys.p256();
        String request = JSON.writeValueAsString(Map.of("name", "carol", "role", "operator",
                "csrPem", TestCsr.forKey(key).commonName("carol").pem()));
        HttpResponse<String> issued = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create(pki.url("/v1/client-certificates"))).header("Authorization", "Bearer " + operator())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(request)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertEquals(201, issued.statusCode(), issued.body());
        Path cert = Files.writeString(home.resolve("carol.pem"), JSON.readTree(issued.body()).get("certificatePem")
                .asText());
        Path keyFile = Files.writeString(home.resolve("carol-key.pem"), TestKeys.pkcs8Pem(key.getPrivate()));
        String https = "https://127.0.0.1:" + httpsPort;
        String ca = home.resolve("ca.pem").toString();

        CliRun listed = run(Map.of(), "hosts", "list", "-o", "json", "--migration-url", https, "--cert", cert.toString(),
                "--key", keyFile.toString(), "--cacert", ca);
        assertEquals(0, listed.code(), listed.toString());
        assertTrue(listed.json().isArray(), listed.toString());

        CliRun set = run(Map.of(), "policy", "set", "mtls-" + SUFFIX, "ALLOW_SASL_FALLBACK", "--migration-url", https,
                "--cert", cert.toString(), "--key", keyFile.toString(), "--cacert", ca);
        assertEquals(0, set.code(), set.toString());
        assertTrue(set.out().contains("updatedBy:") && set.out().contains("carol"), set.toString());

        CliRun noCert = run(Map.of("VIRTGATE_TOKEN", "unused"), "hosts", "list", "--migration-url", https, "--cacert", ca);
        assertEquals(1, noCert.code(), noCert.toString());
        assertTrue(noCert.err().startsWith("virtgate: "), noCert.toString());
        noCert.assertNoStackTrace();
    }

    private static String operator() {
        return CliSession.operatorToken();
    }

    private static CliRun cli(String... args) {
        return session.operator(args);
    }

    private static CliRun run(Map<String, String> env, String... args) {
        return session.run(env, args);
    }

    private static Map<String, String> env(String token) {
        return session.env(token);
    }
}
