package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestProducer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two instances each of migration-service and pki-service, packaged, on one broker, one PostgreSQL
 * and one OpenBao: registrations are split across both migration-service instances, and one
 * pki-service instance is killed with SIGKILL while enrollments are in flight. Every host is
 * registered once and certified once: nothing lost (the survivor takes over the partitions, the
 * outbox rows of the dead instance are swept) and nothing duplicated (idempotent consumers).
 */
class TwoInstancesIT {
    private static final int HOSTS = 10;
    private static final List<ServiceProcess> STARTED = new ArrayList<>();
    private static ServiceProcess migrationA;
    private static ServiceProcess migrationB;
    private static ServiceProcess pkiA;
    private static ServiceProcess pkiB;
    private static EventBus.Recorder bus;

    @BeforeAll
    static void startTwoOfEach() {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.HOSTS, Topics.PKI));
        migrationA = start("migration-service", "virtgate_migration");
        migrationB = start("migration-service", "virtgate_migration");
        pkiA = start("pki-service", "virtgate_pki");
        pkiB = start("pki-service", "virtgate_pki");
    }

    private static ServiceProcess start(String service, String database) {
        Map<String, String> env = ServiceProcess.standardEnv(database);
        // a dead member's partitions move within seconds, its outbox rows are swept after 5 s
        env.put("KAFKA_SESSION_TIMEOUT_MS", "8000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("VIRTGATE_OUTBOX_SWEEP_AFTER", "PT5S");
        ServiceProcess process = ServiceProcess.start(service, env);
        STARTED.add(process);
        return process;
    }

    @AfterAll
    static void stopAll() {
        STARTED.forEach(ServiceProcess::stop);
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void hostsRegisteredThroughBothInstancesAreCertifiedOnceEachWhileOnePkiInstanceIsKilled() throws Exception {
        String cluster = "ha-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, String> tokens = new HashMap<>();
        List<String> hostIds = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            String hostId = cluster + "-h" + i;
            hostIds.add(hostId);
            tokens.put(hostId, register(i % 2 == 0 ? migrationA : migrationB, hostId, cluster, i));
        }
        for (String hostId : hostIds) {
            bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(30));
        }

        for (int i = 0; i < HOSTS; i++) {
            if (i == HOSTS / 2) {
                pkiA.kill(); // mid-flight: half of the enrollments are on the bus, some not yet answered
            }
            enroll(hostIds.get(i), cluster, tokens.get(hostIds.get(i)), i);
        }

        for (String hostId : hostIds) {
            bus.await("virtgate.pki.cert-issued.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(120));
        }
        // late duplicates would come from a re-sent outbox row or a re-processed enrollment: give the
        // survivor's sweep (5 s) time to show one, then count
        Awaitility.await("both migration-service instances know every certificate").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1)).until(() -> hostIds.stream().allMatch(h ->
                        certificateSerial(migrationA, h) != null && certificateSerial(migrationB, h) != null));
        for (String hostId : hostIds) {
            assertEquals(1, distinct(bus.all("virtgate.host.registered.v1"), hostId, "ce_id"),
                    "HostRegistered events for " + hostId);
            Set<String> serials = serials(hostId);
            assertEquals(1, serials.size(), "certificates issued for " + hostId + ": " + serials);
            String serial = serials.iterator().next();
            assertEquals(serial, certificateSerial(migrationA, hostId));
            assertEquals(serial, certificateSerial(migrationB, hostId));
            List<String> issuedByPki = given().baseUri(pkiB.url("")).auth().oauth2(TestTokens.viewer("bob"))
                    .queryParam("hostId", hostId).get("/v1/certificates").then().statusCode(200)
                    .extract().path("serial");
            assertEquals(List.of(serial), issuedByPki, "pki-service's certificates of " + hostId);
        }
    }

    private static String register(ServiceProcess migration, String hostId, String cluster, int i) {
        String fqdn = hostId + ".ha.virtgate.test";
        Response created = Awaitility.await("POST /v1/hosts once the CA is published").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                        .contentType(ContentType.JSON)
                        .body(Map.of("hostId", hostId, "clusterId", cluster, "fqdn", fqdn, "dnsNames", List.of(fqdn),
                                "managementAddresses", List.of(address(i)), "migrationAddresses", List.of()))
                        .post("/v1/hosts"), r -> r.statusCode() != 503);
        assertEquals(201, created.statusCode(), created.asString());
        return created.path("enrollmentToken");
    }

    private static void enroll(String hostId, String cluster, String token, int i) throws Exception {
        String fqdn = hostId + ".ha.virtgate.test";
        KeyPair key = Csr.newKey();
        String csr = Csr.pem(key, fqdn, List.of(fqdn), List.of(address(i)));
        HostEnrolled enrolled = new HostEnrolled(hostId, cluster, fqdn, csr,
                EnrollmentKey.fromToken(hostId, token).prove(hostId, cluster, fqdn, csr),
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"), List.of("tls:16514"),
                        UUID.randomUUID().toString(), "e2e"));
        TestProducer.withKey("/virtgate/host-agent/" + hostId, key, null)
                .publish(KafkaResource.bootstrapServers(), enrolled);
    }

    private static String address(int i) {
        return "10.99.2." + (10 + i);
    }

    private static String certificateSerial(ServiceProcess migration, String hostId) {
        return given().baseUri(migration.url("")).auth().oauth2(TestTokens.viewer("bob"))
                .get("/v1/hosts/" + hostId).then().statusCode(200).extract().path("certificate.serial");
    }

    private static Set<String> serials(String hostId) throws IOException {
        Set<String> serials = new java.util.TreeSet<>();
        for (EventBus.Seen seen : bus.all("virtgate.pki.cert-issued.v1")) {
            if (hostId.equals(seen.key())) {
                JsonNode payload = new EventCodec().mapper().readTree(seen.payload());
                serials.add(payload.get("serial").asText());
            }
        }
        return serials;
    }

    private static long distinct(List<EventBus.Seen> seen, String key, String header) {
        return seen.stream().filter(s -> key.equals(s.key())).map(s -> s.headers().get(header))
                .collect(Collectors.toSet()).size();
    }
}
