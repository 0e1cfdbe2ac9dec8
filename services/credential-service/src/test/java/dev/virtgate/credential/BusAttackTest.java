package dev.virtgate.credential;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.credential.agents.FleetEvents;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.repository.HostMember;
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

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static dev.virtgate.credential.Clusters.cluster;
import static dev.virtgate.credential.Clusters.rotate;
import static dev.virtgate.credential.Clusters.settledCluster;
import static dev.virtgate.credential.Clusters.status;
import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

/**
 * The attacks of issue 12 that concern credential-service, each performed on the real bus by
 * someone with write access to Kafka (and, where said, a genuine host certificate or a CA of their
 * own). Each waits for the forged records' dead-letter entries (the service refused them, with the
 * reason) and then asserts that nothing the attack aimed at happened. Kafka, OpenBao, PostgreSQL and
 * the published trust come from CredentialServiceTest's test resources (not restricted to it).
 */
@QuarkusTest
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BusAttackTest {
    static final Duration WAIT = Clusters.WAIT;
    static final ObjectMapper JSON = new ObjectMapper();
    static final TestCa FOREIGN_CA = new TestCa("attacker-ca");
    static SimulatedFleet fleet;
    static String bootstrap;

    @BeforeAll
    static void start() {
        bootstrap = KafkaResource.bootstrapServers();
        fleet = new SimulatedFleet(bootstrap, false);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    @Order(1)
    void unsignedRegistrationAndEnrollmentGrantNothing() {
        String c = cluster("forged-unsigned");
        String host = c + "-h0";
        String token = FleetEvents.newToken();
        AgentKey csr = new AgentKey(FleetEvents.fqdn(host), c);
        TestProducer.publishUnsigned(bootstrap, "/virtgate/migration-service",
                FleetEvents.registration(c, host, token));
        TestProducer.publishUnsigned(bootstrap, "/virtgate/host-agent/" + host, enrolled(c, host, token, csr));

        awaitDeadLetter(host, "virtgate.host.registered.v1", "unsigned event");
        awaitDeadLetter(host, "virtgate.host.enrolled.v1", "unsigned event");
        assertNothingGranted(c, host);
    }

    @Test
    @Order(2)
    void registrationSignedByAHostCertificateGrantsNothing() {
        String c = cluster("forged-by-host");
        String host = c + "-h0";
        String token = FleetEvents.newToken();
        AgentKey csr = new AgentKey(FleetEvents.fqdn(host), c);
        // a compromised hypervisor: a genuine host certificate, but hosts do not register hosts
        TestTrust.host(host).sign(FleetEvents.registration(c, host, token)).publish(bootstrap);
        // the enrollment itself is well-formed: signed by its CSR key, proven with the attacker's token
        FleetEvents.enrollment(c, host, token, csr).publish(bootstrap);

        awaitDeadLetter(host, "virtgate.host.registered.v1", "may come only from migration-service",
                "not from host:" + host);
        awaitDeadLetter(host, "virtgate.host.enrolled.v1", "host is not registered");
        assertNothingGranted(c, host);
    }

    @Test
    @Order(3)
    void enrollmentProvenWithAnotherTokenGrantsNothing() {
        String c = cluster("wrong-token");
        String host = c + "-h0";
        String token = fleet.register(c, host);
        fleet.flush();
        await().atMost(WAIT).untilAsserted(() -> status(c).then().statusCode(200).body("version", is(1)));
        AgentKey csr = new AgentKey(FleetEvents.fqdn(host), c);
        fleet.enroll(c, host, FleetEvents.newToken(), csr);
        fleet.flush();

        awaitDeadLetter(host, "virtgate.host.enrolled.v1", "from enrolling-host:" + host,
                "enrollment proof does not verify");
        assertThat(OpenBaoServer.shared().call("GET", role(host), null).statusCode()).isEqualTo(404);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> fleet.grants(host).isEmpty());
        HostMember member = member(host);
        assertThat(member.enrollmentTokenUsed).as("the refused proof did not use the token").isFalse();
        assertThat(member.pendingGrantCsrPem).isNull();

        fleet.enroll(c, host, token, csr); // the genuine agent still enrolls
        fleet.flush();
        await().atMost(WAIT).until(() -> !fleet.grants(host).isEmpty());
    }

    @Test
    @Order(4)
    void aSecondKeyPresentingTheRightTokenIsRefused() throws Exception {
        String c = cluster("second-key");
        String host = c + "-h0";
        String token = fleet.register(c, host);
        AgentKey first = new AgentKey(FleetEvents.fqdn(host), c);
        fleet.enroll(c, host, token, first);
        fleet.flush();
        await().atMost(WAIT).until(() -> !fleet.grants(host).isEmpty());
        String boundTo = member(host).enrolledKeySha256;

        // whoever read the token later (or raced the agent) proves it for a key of their own
        AgentKey second = new AgentKey(FleetEvents.fqdn(host), c);
        fleet.enroll(c, host, token, second);
        fleet.flush();
        awaitDeadLetter(host, "virtgate.host.enrolled.v1", "enrollment token already bound to another key");

        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> fleet.grants(host).size() == 1);
        assertThat(member(host).enrolledKeySha256).isEqualTo(boundTo);
        assertThat(member(host).pendingGrantCsrPem).isNull();
        HostAccessGranted grant = fleet.grants(host).get(0);
        assertThat(grant.encryptedWrappingToken()).isNotNull();
        String wrappingToken = Secrets.remember(first.decrypt(grant.encryptedWrappingToken()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                () -> second.decrypt(grant.encryptedWrappingToken()), "encrypted to the first key only");
        var unwrapped = OpenBaoServer.shared().call("POST", "sys/wrapping/unwrap", null, wrappingToken);
        assertThat(unwrapped.statusCode()).isEqualTo(200);
        Secrets.remember(JSON.readTree(unwrapped.body()).path("data").path("secret_id").asText());
    }

    @Test
    @Order(5)
    void forgedDecommissionLeavesTheHostItsMembershipAndItsAppRole() {
        String c = cluster("forged-decom");
        String host = c + "-h0";
        String token = fleet.register(c, host);
        fleet.enroll(c, host, token, new AgentKey(FleetEvents.fqdn(host), c));
        fleet.flush();
        await().atMost(WAIT).until(() -> !fleet.grants(host).isEmpty());

        HostDecommissioned gone = new HostDecommissioned(host, c, "forged", "mallory");
        TestProducer.publishUnsigned(bootstrap, "/virtgate/migration-service", gone);
        TestTrust.host(host).sign(gone).publish(bootstrap);
        TestProducer.issuedBy(FOREIGN_CA, Producer.service("migration-service")).sign(gone).publish(bootstrap);

        awaitDeadLetter(host, "virtgate.host.decommissioned.v1", "unsigned event");
        awaitDeadLetter(host, "virtgate.host.decommissioned.v1", "may come only from migration-service");
        awaitDeadLetter(host, "virtgate.host.decommissioned.v1", "not from a trusted CA");
        assertThat(member(host).decommissioned).isFalse();
        assertThat(member(host).accessRevokePending).isFalse();
        assertThat(OpenBaoServer.shared().call("GET", role(host), null).statusCode()).isEqualTo(200);
        status(c).then().body("members", is(1));
    }

    @Test
    @Order(6)
    void forgedAcknowledgementsDoNotAdvanceAStagedRotation() {
        String c = cluster("forged-acks");
        List<String> hosts = settledCluster(fleet, c, 3);
        hosts.forEach(h -> fleet.setOnline(c, h, false)); // no host applies STAGED
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("STAGED")));
        String rotationId = status(c).then().extract().path("rotationId");
        Stage staged = new Stage(2, CredentialPhase.STAGED);

        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i);
            String neighbour = hosts.get((i + 1) % hosts.size());
            // what an attacker reads off the bus and claims for each host
            HostConfigured ack = FleetEvents.acknowledgement(host, c, rotationId, staged);
            TestProducer.publishUnsigned(bootstrap, "/virtgate/host-agent/" + host, ack);
            TestTrust.host(neighbour).sign(ack).publish(bootstrap);
            TestProducer.issuedBy(FOREIGN_CA, Producer.host(host)).sign(ack).publish(bootstrap);
        }
        for (int i = 0; i < hosts.size(); i++) {
            String host = hosts.get(i);
            awaitDeadLetter(host, "virtgate.host.configured.v1", "unsigned event");
            awaitDeadLetter(host, "virtgate.host.configured.v1", "about host " + host,
                    "not from host:" + hosts.get((i + 1) % hosts.size()));
            awaitDeadLetter(host, "virtgate.host.configured.v1", "not from a trusted CA");
        }
        status(c).then().body("version", is(2)).body("phase", is("STAGED"))
                .body("acknowledgedHosts.size()", is(0)).body("laggards.size()", is(3));

        hosts.forEach(h -> fleet.setOnline(c, h, true)); // the genuine agents come back and acknowledge
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2))
                .body("phase", is("RETIRED")).body("acknowledgedHosts.size()", is(3)));
        assertThat(fleet.violations()).isEmpty();
    }

    @Test
    @Order(7)
    void acknowledgementsFromTheFutureAreRefusedAndTheNextGenuineOneCounts() {
        String c = cluster("future-acks");
        List<String> hosts = settledCluster(fleet, c, 2);
        String late = hosts.get(1);
        fleet.setOnline(c, late, false);
        rotate(c);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("phase", is("STAGED"))
                .body("acknowledgedHosts.size()", is(1)).body("laggards[0].hostId", is(late)));
        String rotationId = status(c).then().extract().path("rotationId");
        HostConfigured ack = FleetEvents.acknowledgement(late, c, rotationId, new Stage(2, CredentialPhase.STAGED));
        Instant future = Instant.now().plus(Duration.ofHours(1));
        HostConfigured probedLater = new HostConfigured(ack.hostId(), ack.clusterId(), null, null,
                ack.credentialRotationId(), ack.credentialVersion(), ack.credentialPhase(), true, true, true,
                ack.posture(), null, future);
        // signed by the host's own key: a compromised hypervisor, or a clock far ahead
        TestTrust.host(late).sign(probedLater).publish(bootstrap);
        TestTrust.host(late).sign(ack, future).publish(bootstrap);

        awaitDeadLetter(late, "virtgate.host.configured.v1", "probedAt is more than 5 min in the future");
        awaitDeadLetter(late, "virtgate.host.configured.v1", "ce_time is more than 5 min in the future");
        status(c).then().body("phase", is("STAGED")).body("laggards[0].hostId", is(late));

        fleet.setOnline(c, late, true);
        await().atMost(WAIT).untilAsserted(() -> status(c).then().body("version", is(2)).body("phase", is("RETIRED"))
                .body("acknowledgedHosts.size()", is(2)));
    }

    /** Runs last: every record on the bus so far, headers included, against every secret handled. */
    @Test
    @Order(100)
    void noRecordOnTheBusCarriesASecretOrAToken() {
        List<String> secrets = new ArrayList<>(Secrets.all());
        secrets.addAll(BusScan.storedPasswords(OpenBaoServer.shared()));
        assertThat(secrets).as("the tests above handled tokens, passwords and secret-ids").hasSizeGreaterThan(5);
        BusScan scan = BusScan.everything(bootstrap);
        assertThat(scan.records()).as("records scanned").isGreaterThan(50);
        assertThat(scan.emittedBy("/virtgate/credential-service")).as("records credential-service emitted")
                .isGreaterThan(5);
        assertThat(scan.containing(secrets)).isEmpty();
    }

    static HostEnrolled enrolled(String c, String host, String token, AgentKey csr) {
        String fqdn = FleetEvents.fqdn(host);
        return new HostEnrolled(host, c, fqdn, csr.pem,
                EnrollmentKey.fromToken(host, token).prove(host, c, fqdn, csr.pem), FleetEvents.capabilities());
    }

    void awaitDeadLetter(String key, String... fragments) {
        await("dead letter for " + key + " naming " + List.of(fragments)).atMost(WAIT)
                .until(() -> fleet.deadLetterReasons(key).stream()
                        .anyMatch(r -> List.of(fragments).stream().allMatch(r::contains)));
    }

    static void assertNothingGranted(String clusterId, String host) {
        OpenBaoServer bao = OpenBaoServer.shared();
        assertThat(bao.call("GET", role(host), null).statusCode()).as("no AppRole").isEqualTo(404);
        assertThat(bao.call("GET", "sys/policies/acl/virtgate-host-" + host, null).statusCode()).as("no policy")
                .isEqualTo(404);
        assertThat(QuarkusTransaction.requiringNew().call(() -> HostMember.findById(host) == null
                && ClusterCredential.findById(clusterId) == null)).as("registry unchanged").isTrue();
        status(clusterId).then().statusCode(404);
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() -> fleet.grants(host).isEmpty());
    }

    static HostMember member(String host) {
        return QuarkusTransaction.requiringNew().call(() -> HostMember.findById(host));
    }

    static String role(String host) {
        return "auth/approle/role/virtgate-host-" + host;
    }
}
