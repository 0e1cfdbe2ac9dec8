package dev.virtgate.e2e;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TrustFixture;
import io.restassured.response.Response;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged services, each its own process, talking only through a real broker: the
 * migration-service publishes HostRegistered, the pki-service consumes it and, on the agent's
 * HostEnrolled, publishes CertIssued, which the migration-service consumes in turn. Every event
 * on the way is signed, and verifies against the CA bundle pki-service published in OpenBao.
 */
class BusProofIT {
    private static ServiceProcess migration;
    private static ServiceProcess pki;
    private static EventBus.Recorder bus;

    @BeforeAll
    static void startServices() {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.HOSTS, Topics.AGENT_REPORTS, Topics.PKI));
        migration = ServiceProcess.start("migration-service", ServiceProcess.standardEnv("virtgate_migration"));
        pki = ServiceProcess.start("pki-service", ServiceProcess.standardEnv("virtgate_pki"));
    }

    @AfterAll
    static void stopServices() {
        if (pki != null) {
            pki.stop();
        }
        if (migration != null) {
            migration.stop();
        }
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void aHostRegisteredInOneServiceIsCertifiedByAnotherAndTheFirstLearnsOfIt() throws Exception {
        String hostId = "bus-" + UUID.randomUUID().toString().substring(0, 8);
        String fqdn = hostId + ".lab.virtgate.test";
        // 503 until pki-service has published its CA: the enrollment bundle pins it
        Response created = Awaitility.await("POST /v1/hosts once the CA is published").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                        .contentType(ContentType.JSON)
                        .body(Map.of("hostId", hostId, "clusterId", "bus-proof", "fqdn", fqdn,
                                "dnsNames", List.of(fqdn), "managementAddresses", List.of("10.99.0.7"),
                                "migrationAddresses", List.of()))
                        .post("/v1/hosts"), r -> r.statusCode() != 503);
        assertEquals(201, created.statusCode(), created.asString());
        String token = created.path("enrollmentToken");
        assertTrue(created.<String>path("caCertSha256").matches("^sha256:[0-9a-f]{64}$"), created.asString());

        EventBus.Seen registered = bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()),
                Duration.ofSeconds(30));
        assertCloudEvent(registered, "/virtgate/migration-service", hostId);
        assertFalse(registered.payload().contains(token), "the enrollment token itself never travels");

        SimulatedAgent.enroll(hostId, "bus-proof", fqdn, "10.99.0.7", token);

        EventBus.Seen issued = bus.await("virtgate.pki.cert-issued.v1", s -> hostId.equals(s.key()),
                Duration.ofSeconds(60));
        assertCloudEvent(issued, "/virtgate/pki-service", hostId);
        assertSignedBy(registered, "migration-service");
        assertSignedBy(issued, "pki-service");
        assertFalse(bus.all("virtgate.host.enrolled.v1").stream().anyMatch(s -> s.payload().contains(token)
                || s.headers().values().stream().anyMatch(v -> v.contains(token))), "no token on the bus");
        String serial = new EventCodec().mapper().readTree(issued.payload()).get("serial").asText();

        Awaitility.await("migration-service learns the certificate").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertEquals(serial,
                        given().baseUri(migration.url("")).auth().oauth2(TestTokens.viewer("bob"))
                                .get("/v1/hosts/" + hostId).then().statusCode(200)
                                .extract().path("certificate.serial")));
    }

    /** The event verifies against the CA bundle pki-service published, as coming from {@code service}. */
    private static void assertSignedBy(EventBus.Seen seen, String service) {
        EventEnvelope envelope = EventEnvelope.fromHeaders(seen.headers());
        byte[] payload = seen.payload().getBytes(StandardCharsets.UTF_8);
        Event event = new EventCodec().decode(envelope.type(), payload);
        assertEquals(Producer.service(service),
                new EventVerifier(TrustFixture.publishedAnchors(OpenBaoServer.shared())).verify(envelope, seen.headers(), payload, event));
    }

    private static void assertCloudEvent(EventBus.Seen seen, String source, String subject) {
        Map<String, String> h = seen.headers();
        assertEquals("1.0", h.get("ce_specversion"));
        assertEquals(source, h.get("ce_source"));
        assertEquals(subject, h.get("ce_subject"));
        assertNotNull(UUID.fromString(h.get("ce_id")));
        assertNotNull(Instant.parse(h.get("ce_time")));
        assertEquals("application/json", h.get("content-type"));
    }
}
