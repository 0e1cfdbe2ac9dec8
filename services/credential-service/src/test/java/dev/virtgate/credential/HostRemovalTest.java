package dev.virtgate.credential;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.credential.agents.FleetEvents;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.HostMember;
import dev.virtgate.credential.service.CredentialService;
import dev.virtgate.credential.service.Stage;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

import static dev.virtgate.credential.Clusters.cluster;
import static dev.virtgate.credential.Clusters.rotate;
import static dev.virtgate.credential.Clusters.settledCluster;
import static dev.virtgate.credential.Clusters.status;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

/**
 * Removing a host ends its access: a decommissioning, or a revocation of its current certificate
 * that removes trust, destroys its secret-ids, refuses the tokens it holds and rotates its cluster's
 * credential at once (staged: the remaining agents acknowledge each phase, the removed one is not
 * waited for), or right after the rotation in progress. Real Kafka, OpenBao and PostgreSQL (the
 * test resources of CredentialServiceTest, not restricted to it).
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostRemovalTest {
    static final Duration WAIT = Clusters.WAIT;
    static final ObjectMapper JSON = new ObjectMapper();
    static final String CRL = "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n";
    static SimulatedFleet fleet;
    static LogCapture logs;

    /** What a host's agent holds once granted: its AppRole login (role id, secret-id) and a token from it. */
    record Access(String hostId, String login, String token) {
    }

    @BeforeAll
    static void start() {
        logs = LogCapture.install();
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), false);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    @Order(1)
    void decommissionRotatesAtOnceWithoutTheRemovedHostAndEndsItsAccess() throws Exception {
        String c = cluster("removed");
        String gone = settledCluster(fleet, c, 3).get(0);
        Access access = grantedAccess(c, gone);

        long published = System.nanoTime();
        TestProducer.Signed decommission = fleet.decommission(c, gone); // its agent is gone: it acknowledges nothing
        fleet.flush();
        await().atMost(WAIT).until(() -> fleet.firstSeen(c, 2, CredentialPhase.STAGED) != null);
        long received = fleet.firstSeen(c, 2, CredentialPhase.STAGED);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("RETIRED"))
                .body("members", is(2)).body("acknowledgedHosts.size()", is(2))
                .body("rotationRequestedBy", is(CredentialService.HOST_REMOVAL)).body("rotationOwed", is(false)));
        Instant consumed = logs.firstAt("host " + gone + " left cluster " + c).orElseThrow();
        Instant staged = logs.firstAt("cluster " + c + ": rotation",
                "to v2 staged by " + CredentialService.HOST_REMOVAL).orElseThrow();
        System.out.printf("[measure] HostDecommissioned applied -> v2 STAGED committed: %d ms;"
                + " published -> STAGED received by the agents: %d ms%n", Duration.between(consumed, staged).toMillis(),
                (received - published) / 1_000_000);

        assertThat(member(gone).ackedRank).as("the removed host never acknowledged v2")
                .isLessThan(Stage.rank(2, CredentialPhase.STAGED));
        assertAccessEnded(c, access);
        assertThat(fleet.violations()).isEmpty();

        fleet.send(decommission); // redelivered
        assertNoFurtherRotation(c, gone, 2, () -> TestProducer.publishUnsigned(KafkaResource.bootstrapServers(),
                "/virtgate/migration-service", new HostDecommissioned(gone, c, "marker", "mallory")));
    }

    @Test
    @Order(2)
    void keyCompromiseWithdrawsAccessUntilTheHostEnrollsAgain() throws Exception {
        String c = cluster("compromised");
        String host = settledCluster(fleet, c, 3).get(0);
        Access access = grantedAccess(c, host);
        String serial = serial();
        fleet.send(issued(c, host, serial, Instant.now().minus(Duration.ofMinutes(1))));
        fleet.setOnline(c, host, false); // a compromised host is not waited for
        fleet.revokeTrust(c, host);
        TestProducer.Signed revocation = TestTrust.pkiService().sign(revoked(c, host, serial, "keyCompromise"));
        fleet.send(revocation);
        fleet.flush();

        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("RETIRED"))
                .body("members", is(2)).body("acknowledgedHosts.size()", is(2))
                .body("rotationRequestedBy", is(CredentialService.HOST_REMOVAL)).body("rotationOwed", is(false)));
        assertAccessEnded(c, access);
        HostMember withdrawn = member(host);
        assertThat(withdrawn.accessWithdrawn).isTrue();
        assertThat(withdrawn.accessGranted).isFalse();
        assertThat(withdrawn.accessRevokePending).isFalse();

        fleet.send(revocation); // redelivered
        assertNoFurtherRotation(c, host, 2, () -> TestProducer.publishUnsigned(KafkaResource.bootstrapServers(),
                "/virtgate/pki-service", revoked(c, host, serial, "keyCompromise")));

        // a new registration token and a new key: granted anew, and a member again
        Access again = grantedAccess(c, host);
        assertThat(member(host).accessWithdrawn).isNull();
        fleet.setOnline(c, host, true);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("members", is(3))
                .body("acknowledgedHosts.size()", is(3)));
        assertThat(bao().call("GET", kvPath(c), null, again.token()).statusCode()).isEqualTo(200);
        assertThat(bao().call("GET", kvPath(c), null, access.token()).statusCode())
                .as("the old token stays refused now that the host's policy exists again").isEqualTo(403);
        assertThat(fleet.violations()).isEmpty();
    }

    @Test
    @Order(3)
    void supersededOrStaleCertificatesChangeNothing() throws Exception {
        String c = cluster("superseded");
        String host = settledCluster(fleet, c, 2).get(0);
        Access access = grantedAccess(c, host);
        String old = serial();
        String current = serial();
        fleet.send(issued(c, host, old, Instant.now().minus(Duration.ofDays(20))));
        fleet.send(issued(c, host, current, Instant.now().minus(Duration.ofMinutes(5)))); // a renewal
        fleet.send(revoked(c, host, old, "superseded"));
        fleet.send(revoked(c, host, current, "superseded"));
        fleet.send(revoked(c, host, old, "keyCompromise")); // not its current certificate
        fleet.flush();

        assertNoFurtherRotation(c, host, 1, () -> TestProducer.publishUnsigned(KafkaResource.bootstrapServers(),
                "/virtgate/pki-service", revoked(c, host, current, "keyCompromise")));
        status(c).then().body("phase", is("ACTIVE")).body("members", is(2));
        HostMember member = member(host);
        assertThat(member.accessGranted).isTrue();
        assertThat(member.accessWithdrawn).isNull();
        assertThat(member.certSerial).isEqualTo(current);
        assertThat(bao().call("GET", kvPath(c), null, access.token()).statusCode()).isEqualTo(200);
        assertThat(bao().call("POST", "auth/approle/login", access.login(), null).statusCode()).isEqualTo(200);
    }

    @Test
    @Order(4)
    void decommissionDuringARotationOwesASecondOneAfterIt() throws Exception {
        String c = cluster("during");
        String gone = settledCluster(fleet, c, 3).get(0);
        Access access = grantedAccess(c, gone);
        fleet.setOnline(c, gone, false); // it holds the first rotation in STAGED, and may have read v2
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("STAGED"))
                .body("laggards[0].hostId", is(gone)));

        TestProducer.Signed decommission = fleet.decommission(c, gone);
        fleet.flush();
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(3)).body("phase", is("RETIRED"))
                .body("members", is(2)).body("rotationRequestedBy", is(CredentialService.HOST_REMOVAL))
                .body("rotationOwed", is(false)));
        List<String> phases = fleet.rotated(c).stream().map(e -> "v" + e.version() + "/" + e.phase()).distinct()
                .toList();
        assertThat(phases).containsSubsequence("v2/STAGED", "v2/ACTIVE", "v2/RETIRED", "v3/STAGED", "v3/ACTIVE",
                "v3/RETIRED");
        assertThat(phases.indexOf("v3/STAGED")).as("the owed rotation starts after the first one retired")
                .isGreaterThan(phases.indexOf("v2/RETIRED"));
        assertAccessEnded(c, access);
        assertThat(fleet.violations()).isEmpty();

        fleet.send(decommission); // redelivered
        assertNoFurtherRotation(c, gone, 3, () -> TestProducer.publishUnsigned(KafkaResource.bootstrapServers(),
                "/virtgate/migration-service", new HostDecommissioned(gone, c, "marker", "mallory")));
    }

    /** Registers the host anew (a fresh token), enrolls a new key and logs in with the secret-id it is granted. */
    static Access grantedAccess(String c, String host) throws Exception {
        int grantsBefore = fleet.grants(host).size();
        String token = fleet.register(c, host);
        AgentKey csr = new AgentKey(FleetEvents.fqdn(host), c);
        fleet.enroll(c, host, token, csr);
        fleet.flush();
        await().atMost(WAIT).until(() -> fleet.grants(host).size() > grantsBefore);
        HostAccessGranted grant = fleet.grants(host).get(fleet.grants(host).size() - 1);
        String wrapping = Secrets.remember(csr.decrypt(grant.encryptedWrappingToken()));
        String secretId = Secrets.remember(JSON.readTree(bao().call("POST", "sys/wrapping/unwrap", null, wrapping)
                .body()).path("data").path("secret_id").asText());
        String login = JSON.writeValueAsString(Map.of("role_id", grant.roleId(), "secret_id", secretId));
        var loggedIn = bao().call("POST", "auth/approle/login", login, null);
        assertThat(loggedIn.statusCode()).isEqualTo(200);
        String hostToken = JSON.readTree(loggedIn.body()).path("auth").path("client_token").asText();
        assertThat(bao().call("GET", kvPath(c), null, hostToken).statusCode()).isEqualTo(200);
        return new Access(host, login, hostToken);
    }

    static void assertAccessEnded(String c, Access access) {
        await().atMost(WAIT).untilAsserted(() -> assertThat(bao().call("POST", "auth/approle/login", access.login(),
                null).statusCode()).as("the secret-id no longer logs in").isIn(400, 403));
        assertThat(bao().call("GET", kvPath(c), null, access.token()).statusCode())
                .as("a token issued before the removal reads nothing").isEqualTo(403);
        assertThat(QuarkusTransaction.requiringNew().call(() -> HostMember.<HostMember>findById(access.hostId())
                .accessRevokePending)).isFalse();
    }

    /**
     * The redelivered event went before {@code marker} (a forgery on the same partition, refused);
     * after it, the cluster stays at {@code version}, owing nothing.
     */
    static void assertNoFurtherRotation(String c, String host, int version, Runnable marker) {
        int parkedBefore = fleet.deadLetterReasons(host).size();
        marker.run();
        await().atMost(WAIT).until(() -> fleet.deadLetterReasons(host).size() > parkedBefore);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10)).until(() -> {
            ClusterCredential cluster = QuarkusTransaction.requiringNew().call(() -> ClusterCredential.findById(c));
            return cluster.version == version && cluster.rotationOwedAt == null
                    && fleet.rotated(c).stream().mapToInt(CredentialRotated::version).max().orElse(0) == version;
        });
    }

    static CertIssued issued(String c, String host, String serial, Instant notBefore) {
        KeyPair key = TestCa.ecKey();
        String fqdn = FleetEvents.fqdn(host);
        X509Certificate cert = TestTrust.CA.issue(fqdn, key.getPublic(), Producer.host(host).uri(),
                Duration.ofDays(30));
        return new CertIssued(host, c, serial, "CN=" + fqdn + ",O=virtgate", "O=virtgate,CN=" + fqdn, TestCa.pem(cert),
                List.of(), List.of(TestTrust.CA.pem()), notBefore, notBefore.plus(Duration.ofDays(30)), "RENEWAL");
    }

    static CertRevoked revoked(String c, String host, String serial, String reason) {
        return new CertRevoked(host, c, serial, "O=virtgate,CN=" + FleetEvents.fqdn(host), reason,
                Instant.now().truncatedTo(ChronoUnit.SECONDS), CRL);
    }

    static String serial() {
        byte[] bytes = new byte[16];
        ThreadLocalRandom.current().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }

    static HostMember member(String host) {
        return QuarkusTransaction.requiringNew().call(() -> HostMember.findById(host));
    }

    static OpenBaoServer bao() {
        return OpenBaoServer.shared();
    }

    static String kvPath(String c) {
        return "secret/data/virtgate/clusters/" + c + "/libvirt-sasl";
    }
}
