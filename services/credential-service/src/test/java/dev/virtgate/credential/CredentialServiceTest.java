package dev.virtgate.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.credential.agents.FleetEvents;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMember;
import dev.virtgate.credential.service.Reconciler;
import dev.virtgate.credential.service.Stage;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.credential.trust.TrustResource;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "database", value = "virtgate_credential"))
@QuarkusTestResource(value = TrustResource.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CredentialServiceTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static final ObjectMapper JSON = new ObjectMapper();
    static SimulatedFleet fleet;
    static LogCapture logs;
    static final Set<String> passwords = new HashSet<>();

    @Inject
    Reconciler reconciler;

    @Inject
    ClusterCredentialRepository clusters;

    @BeforeAll
    static void start() {
        logs = LogCapture.install();
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), true);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static String cluster(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static String operator() {
        return "Bearer " + TestTokens.operator("alice");
    }

    static Response status(String clusterId) {
        return given().header("Authorization", operator()).get("/v1/clusters/{id}/credentials", clusterId);
    }

    /** Registers hosts and waits until every one acknowledged credential v1. */
    static List<String> settledCluster(String clusterId, int hosts) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            String host = clusterId + "-h" + i;
            fleet.register(clusterId, host);
            ids.add(host);
        }
        fleet.flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            fleet.reportUnconfigured(clusterId); // an agent that missed v1 says so, as it would at start
            status(clusterId).then().statusCode(200).body("version", is(1)).body("phase", is("ACTIVE"))
                    .body("acknowledgedHosts.size()", is(hosts));
        });
        return ids;
    }

    static void rotate(String clusterId) {
        given().header("Authorization", operator()).post("/v1/clusters/{id}/credentials/rotate", clusterId)
                .then().statusCode(202).body("phase", is("STAGED"));
    }

    static JsonNode kv(String clusterId, int kvVersion) throws Exception {
        HttpResponse<String> r = OpenBaoServer.shared().call("GET",
                "secret/data/virtgate/clusters/" + clusterId + "/libvirt-sasl?version=" + kvVersion, null);
        assertEquals(200, r.statusCode(), r.body());
        return JSON.readTree(r.body()).path("data").path("data");
    }

    @Test
    @Order(1)
    void fullRotationAcrossSeveralAgents() throws Exception {
        String c = cluster("flow");
        settledCluster(c, 4);
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().statusCode(200)
                .body("version", is(2)).body("phase", is("RETIRED")).body("rotationInProgress", is(false))
                .body("acknowledgedHosts.size()", is(4)).body("laggards.size()", is(0))
                .body("acceptedUsernames", equalTo(List.of("virtgate-v2"))));

        List<CredentialRotated> events = fleet.rotated(c);
        List<String> phases = events.stream().map(e -> "v" + e.version() + "/" + e.phase()).distinct().toList();
        assertEquals(List.of("v1/ACTIVE", "v2/STAGED", "v2/ACTIVE", "v2/RETIRED"), phases);
        CredentialRotated staged = events.stream().filter(e -> e.phase() == CredentialPhase.STAGED).findFirst().orElseThrow();
        assertEquals(List.of("virtgate-v1", "virtgate-v2"), staged.acceptedUsernames());
        assertEquals("virtgate-v1", staged.previousUsername());
        assertEquals("virtgate/clusters/" + c + "/libvirt-sasl", staged.kvPath());
        CredentialRotated active = events.stream().filter(e -> e.version() == 2 && e.phase() == CredentialPhase.ACTIVE)
                .findFirst().orElseThrow();
        assertEquals(List.of("virtgate-v1", "virtgate-v2"), active.acceptedUsernames());

        // One KV version per credential version, holding username, password and version.
        JsonNode v2 = kv(c, staged.kvVersion());
        assertEquals("virtgate-v2", v2.path("username").asText());
        assertEquals(2, v2.path("version").asInt());
        assertTrue(v2.path("password").asText().matches("[A-Za-z0-9_-]{43}"), "32 random bytes, base64url");
        JsonNode v1 = kv(c, staged.previousKvVersion());
        assertEquals("virtgate-v1", v1.path("username").asText());
        assertNotEquals(v1.path("password").asText(), v2.path("password").asText());
        passwords.add(Secrets.remember(v1.path("password").asText()));
        passwords.add(Secrets.remember(v2.path("password").asText()));

        fleet.agents(c).forEach(a -> assertEquals("virtgate-v2", a.client()));
        assertTrue(fleet.violations().isEmpty(), fleet.violations().toString());
        assertTrue(fleet.unverified().isEmpty(), "every event the agents received verified: " + fleet.unverified());
    }

    @Test
    @Order(2)
    void agentOfflineDuringStagedCatchesUpAndRotationThenCompletes() {
        String c = cluster("offline");
        List<String> hosts = settledCluster(c, 3);
        String down = hosts.get(2);
        fleet.setOnline(c, down, false);
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("phase", is("STAGED"))
                .body("acknowledgedHosts.size()", is(2)).body("laggards[0].hostId", is(down))
                .body("laggards[0].ackedVersion", is(1)).body("laggards[0].ackedPhase", is("ACTIVE")));

        // While a host has not staged the new user, nobody may switch to it: still STAGED, and a
        // second rotation is refused naming the phase.
        given().header("Authorization", operator()).post("/v1/clusters/{id}/credentials/rotate", c).then()
                .statusCode(409).contentType("application/problem+json").body("detail", containsString("STAGED"));
        status(c).then().body("phase", is("STAGED"));
        assertEquals(1, fleet.agent(c, down).appliedRank() / 3, "the offline agent saw nothing of v2");

        fleet.setOnline(c, down, true); // reports v1/ACTIVE: behind -> the service re-announces STAGED
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("RETIRED"))
                .body("acknowledgedHosts.size()", is(3)));
        assertEquals("virtgate-v2", fleet.agent(c, down).client());
        assertTrue(fleet.violations().isEmpty(), fleet.violations().toString());
    }

    @Test
    @Order(3)
    void decommissionedHostStopsBlockingAndLosesItsOpenBaoAccess() throws Exception {
        String c = cluster("decom");
        List<String> hosts = settledCluster(c, 3);
        String gone = hosts.get(0);
        String token = fleet.register(c, gone); // a fresh enrollment token for it
        AgentKey csr = new AgentKey(gone + ".lab.virtgate.test", c);
        fleet.enroll(c, gone, token, csr);
        fleet.flush();
        await().atMost(WAIT).until(() -> !fleet.grants(gone).isEmpty());
        HostAccessGranted grant = fleet.grants(gone).get(0);
        String role = "auth/approle/role/virtgate-host-" + gone;
        String policy = "sys/policies/acl/virtgate-host-" + gone;
        String ownPath = "secret/data/virtgate/clusters/" + c + "/libvirt-sasl";
        OpenBaoServer bao = OpenBaoServer.shared();
        assertEquals(200, bao.call("GET", role, null).statusCode());
        assertEquals(200, bao.call("GET", policy, null).statusCode());
        String secretId = Secrets.remember(JSON.readTree(bao.call("POST", "sys/wrapping/unwrap", null,
                Secrets.remember(csr.decrypt(grant.encryptedWrappingToken()))).body()).path("data").path("secret_id")
                .asText());
        String login = JSON.writeValueAsString(java.util.Map.of("role_id", grant.roleId(), "secret_id", secretId));
        HttpResponse<String> loggedIn = bao.call("POST", "auth/approle/login", login, null);
        assertEquals(200, loggedIn.statusCode());
        String hostToken = JSON.readTree(loggedIn.body()).path("auth").path("client_token").asText();
        assertEquals(200, bao.call("GET", ownPath, null, hostToken).statusCode());

        fleet.setOnline(c, gone, false);
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("phase", is("STAGED"))
                .body("acknowledgedHosts.size()", is(2)).body("laggards[0].hostId", is(gone)));
        fleet.decommission(c, gone);
        fleet.flush();
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("phase", is("RETIRED"))
                .body("members", is(2)));
        await().atMost(WAIT).untilAsserted(() -> {
            assertEquals(404, bao.call("GET", role, null).statusCode(), "AppRole deleted");
            assertEquals(404, bao.call("GET", policy, null).statusCode(), "policy deleted");
        });
        assertEquals(403, bao.call("GET", ownPath, null, hostToken).statusCode(),
                "a token issued before decommissioning lost its policy");
        assertNotEquals(200, bao.call("POST", "auth/approle/login", login, null).statusCode(),
                "the secret-id no longer logs in");
        assertTrue(fleet.violations().isEmpty(), fleet.violations().toString());
    }

    @Test
    @Order(4)
    void enrollmentGrantsAnAppRoleThatReadsOnlyItsOwnCluster() throws Exception {
        String a = cluster("enrol-a");
        String b = cluster("enrol-b");
        settledCluster(b, 1);
        String host = a + "-h0";
        String token = fleet.register(a, host);
        fleet.flush();
        await().atMost(WAIT).untilAsserted(() -> status(a).then().body("version", is(1)));
        int announcedBefore = fleet.rotated(a).size();
        AgentKey csr = new AgentKey(host + ".lab.virtgate.test", a);
        fleet.enroll(a, host, FleetEvents.newToken(), csr); // a proof from another token
        fleet.enroll(a, host, token, csr);
        fleet.enroll(a, host, token, csr); // the agent's retry: the key the token is bound to
        fleet.flush();

        await().atMost(WAIT).until(() -> !fleet.grants(host).isEmpty());
        HostAccessGranted grant = fleet.grants(host).get(0);
        assertEquals("secret/data/virtgate/clusters/" + a + "/libvirt-sasl", grant.credentialKvPath());
        assertTrue(grant.wrapExpiresAt().isBefore(Instant.now().plus(Duration.ofMinutes(6))));
        // the new host is sent the cluster's current phase
        await().atMost(WAIT).until(() -> fleet.rotated(a).size() > announcedBefore);

        String wrappingToken = Secrets.remember(csr.decrypt(grant.encryptedWrappingToken()));
        HttpResponse<String> unwrapped = OpenBaoServer.shared().call("POST", "sys/wrapping/unwrap", null, wrappingToken);
        assertEquals(200, unwrapped.statusCode());
        String secretId = Secrets.remember(JSON.readTree(unwrapped.body()).path("data").path("secret_id").asText());
        assertNotEquals(200, OpenBaoServer.shared().call("POST", "sys/wrapping/unwrap", null, wrappingToken)
                .statusCode(), "the wrapping token is single use");
        HttpResponse<String> login = OpenBaoServer.shared().call("POST", "auth/approle/login",
                JSON.writeValueAsString(java.util.Map.of("role_id", grant.roleId(), "secret_id", secretId)), null);
        assertEquals(200, login.statusCode(), "login status");
        String hostToken = JSON.readTree(login.body()).path("auth").path("client_token").asText();

        HttpResponse<String> own = OpenBaoServer.shared().call("GET",
                "secret/data/virtgate/clusters/" + a + "/libvirt-sasl", null, hostToken);
        assertEquals(200, own.statusCode());
        assertEquals("virtgate-v1", JSON.readTree(own.body()).path("data").path("data").path("username").asText());
        HttpResponse<String> other = OpenBaoServer.shared().call("GET",
                "secret/data/virtgate/clusters/" + b + "/libvirt-sasl", null, hostToken);
        assertEquals(403, other.statusCode(), "a host cannot read another cluster's credential");
        assertEquals(403, OpenBaoServer.shared().call("GET", "sys/policies/acl", null, hostToken).statusCode());

        // The wrong token did nothing and the replay of the used token granted nothing more:
        // a later acknowledgement of the same host (same partition) is processed after both.
        fleet.send(new HostConfigured(host, a, null, null, null, null, null, true, true, true, List.of(), null,
                Instant.now()));
        fleet.flush();
        await().atMost(WAIT).until(() -> fleet.rotated(a).size() > announcedBefore + 1); // behind -> re-announced
        assertEquals(1, fleet.grants(host).size());
        assertTrue(fleet.deadLetterReasons(host).stream().anyMatch(r -> r.contains("virtgate.host.enrolled.v1")
                && r.contains("enrollment proof does not verify")), fleet.deadLetterReasons(host).toString());
        passwords.add(Secrets.remember(kv(a, 1).path("password").asText()));
    }

    @Test
    @Order(5)
    void badRequestsAreProblems() {
        given().header("Authorization", operator()).get("/v1/clusters/{id}/credentials", "nope-" + UUID.randomUUID())
                .then().statusCode(404).contentType("application/problem+json").body("status", is(404));
        given().header("Authorization", operator()).post("/v1/clusters/{id}/credentials/rotate", "nope-x1")
                .then().statusCode(404).contentType("application/problem+json");
        given().header("Authorization", operator()).get("/v1/clusters/{id}/credentials", "Bad_Cluster")
                .then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", hasItem("clusterId"));
        given().post("/v1/clusters/{id}/credentials/rotate", "any").then().statusCode(401);
        given().header("Authorization", "Bearer " + TestTokens.viewer("bob"))
                .post("/v1/clusters/{id}/credentials/rotate", "any").then().statusCode(403);
    }

    @Test
    @Order(6)
    void malformedAcknowledgementGoesToTheDeadLetterTopicAndTheConsumerContinues() {
        String c = cluster("dlq");
        settledCluster(c, 1);
        HostConfigured template = new HostConfigured(c + "-h0", c, null, null, "rot", 1, CredentialPhase.ACTIVE,
                true, true, true, List.of(), null, Instant.now());
        fleet.send(template, "{\"hostId\":\"x\",\"credentialVersion\":\"seven\"}".getBytes(StandardCharsets.UTF_8));
        fleet.flush();
        String after = c + "-h1";
        fleet.register(c, after);
        fleet.flush();
        await().atMost(WAIT).until(() -> fleet.deadLetters().stream().anyMatch(r -> c.concat("-h0").equals(r.key())));
        ConsumerRecord<String, byte[]> parked = fleet.deadLetters().stream().filter(r -> (c + "-h0").equals(r.key()))
                .findFirst().orElseThrow();
        String reason = new String(parked.headers().lastHeader("dead-letter-reason").value(), StandardCharsets.UTF_8);
        assertTrue(reason.contains("credentialVersion") || reason.contains("$"), reason);
        assertFalse(reason.contains("seven"), "the reason names fields, not values");
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("members", is(2)));
    }

    /**
     * A fresh process has only the database: for each phase, leave the state a crash would leave
     * (phase persisted, every member's acknowledgement recorded, nothing advanced yet), then run
     * what the service runs at start. It must finish the rotation from there.
     */
    @Test
    @Order(7)
    void restartInEveryPhaseResumesFromTheDatabase() {
        for (CredentialPhase crashedIn : CredentialPhase.values()) {
            String c = cluster("restart-" + crashedIn.name().toLowerCase());
            List<String> hosts = settledCluster(c, 2);
            if (crashedIn != CredentialPhase.RETIRED) {
                fleet.agents(c).forEach(a -> a.online = false); // no live acks: only the DB state counts
                rotate(c);
                QuarkusTransaction.requiringNew().run(() -> {
                    ClusterCredential cluster = clusters.findById(c);
                    cluster.phase = crashedIn;
                    int rank = Stage.rank(cluster.version, crashedIn);
                    hosts.forEach(h -> HostMember.<HostMember>findById(h).ackedRank = rank);
                });
            } else {
                rotate(c);
                await().atMost(WAIT).untilAsserted(() -> status(c).then().body("phase", is("RETIRED")));
            }
            reconciler.resumeRotations(Instant.now()); // what a fresh process runs at start
            if (crashedIn != CredentialPhase.RETIRED) {
                // every member had acknowledged the phase it crashed in: the next phase is entered
                CredentialPhase next = CredentialPhase.values()[crashedIn.ordinal() + 1];
                status(c).then().body("version", is(2)).body("phase", is(next.name()));
                await().atMost(WAIT).until(() -> fleet.rotated(c).stream()
                        .anyMatch(e -> e.version() == 2 && e.phase() == next));
                hosts.forEach(h -> fleet.setOnline(c, h, true)); // agents come back and catch up
                await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2))
                        .body("phase", is("RETIRED")).body("acknowledgedHosts.size()", is(2)));
            } else {
                status(c).then().body("version", is(2)).body("phase", is("RETIRED"));
                rotate(c); // resumed service rotates again
                await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(3))
                        .body("phase", is("RETIRED")));
            }
        }
        assertTrue(fleet.violations().isEmpty(), fleet.violations().toString());
    }

    @Test
    @Order(8)
    void passwordsNeverAppearInEventsLogsOrResponses() {
        assertFalse(passwords.isEmpty());
        assertFalse(fleet.rawPayloads().isEmpty());
        for (String password : passwords) {
            assertTrue(fleet.rawPayloads().stream().noneMatch(p -> p.contains(password)), "password in an event");
            assertTrue(logs.lines().stream().noneMatch(l -> l.contains(password)), "password in a log line");
        }
        assertTrue(logs.lines().stream().anyMatch(l -> l.contains("entered RETIRED")), "log capture works");
    }

    @Test
    @Order(9)
    void openBaoOutageMeansNotReady503AndNoPartialVersion() {
        String c = cluster("outage");
        settledCluster(c, 2);
        int eventsBefore = fleet.rotated(c).size();
        OpenBaoServer.shared().stop();
        try {
            await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(503)
                    .body(containsString("DOWN")));
            given().header("Authorization", operator()).post("/v1/clusters/{id}/credentials/rotate", c).then()
                    .statusCode(503).contentType("application/problem+json").header("Retry-After", "5");
            status(c).then().body("version", is(1)).body("phase", is("ACTIVE"));
            assertEquals(eventsBefore, fleet.rotated(c).size(), "nothing announced");
        } finally {
            OpenBaoServer.shared().start();
            TestTrust.publish(); // the dev server restarts empty: pki-service would publish again
        }
        await().atMost(WAIT).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("RETIRED")));
    }
}
