package dev.virtgate.e2e;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;

/**
 * The packaged services, each its own process, talking only through a real broker: the
 * migration-service publishes HostRegistered, the pki-service consumes it and, on the agent's
 * HostEnrolled, publishes CertIssued, which the migration-service consumes in turn.
 */
class BusProofIT {
    private static ServiceProcess migration;
    private static ServiceProcess pki;
    private static EventBus.Recorder bus;

    @BeforeAll
    static void startServices() {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.HOSTS, Topics.PKI));
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
        String token = given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                .contentType(ContentType.JSON)
                .body(Map.of("hostId", hostId, "clusterId", "bus-proof", "fqdn", fqdn,
                        "dnsNames", List.of(fqdn), "managementAddresses", List.of("10.99.0.7"),
                        "migrationAddresses", List.of()))
                .post("/v1/hosts").then().statusCode(201).extract().path("enrollmentToken");

        EventBus.Seen registered = bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()),
                Duration.ofSeconds(30));
        assertCloudEvent(registered, "/virtgate/migration-service", hostId);
        assertFalse(registered.payload().contains(token), "the enrollment token itself never travels");

        KeyPair key = Csr.newKey();
        HostEnrolled enrolled = new HostEnrolled(hostId, "bus-proof", fqdn,
                Csr.pem(key, fqdn, List.of(fqdn), List.of("10.99.0.7")), token,
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"), List.of("tls:16514"),
                        UUID.randomUUID().toString(), "e2e"));
        EventBus.publish(KafkaResource.bootstrapServers(), "/virtgate/host-agent/" + hostId, enrolled);

        EventBus.Seen issued = bus.await("virtgate.pki.cert-issued.v1", s -> hostId.equals(s.key()),
                Duration.ofSeconds(60));
        assertCloudEvent(issued, "/virtgate/pki-service", hostId);
        String serial = new EventCodec().mapper().readTree(issued.payload()).get("serial").asText();

        Awaitility.await("migration-service learns the certificate").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertEquals(serial,
                        given().baseUri(migration.url("")).auth().oauth2(TestTokens.viewer("bob"))
                                .get("/v1/hosts/" + hostId).then().statusCode(200)
                                .extract().path("certificate.serial")));
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
