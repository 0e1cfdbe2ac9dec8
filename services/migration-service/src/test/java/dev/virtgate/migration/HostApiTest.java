package dev.virtgate.migration;

import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EnrollmentKey;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.notNullValue;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class HostApiTest {

    @Test
    void registrationReturnsTheTokenOnceAndEmitsHostRegisteredWithCloudEventsHeaders() {
        String id = Fleet.unique("reg");
        ExtractableResponse<Response> created = Fleet.operator().body(Map.of("hostId", id, "clusterId", "reg-c",
                        "fqdn", id + ".Lab.virtgate.test", "dnsNames", List.of(id),
                        "managementAddresses", List.of("10.77.9.1"), "migrationAddresses", List.of("fd00:78::1")))
                .post("/v1/hosts").then().statusCode(201).header("Location", endsWith("/v1/hosts/" + id))
                .header("Cache-Control", "no-store").extract();
        String token = created.path("enrollmentToken");
        assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]{43}");
        assertThat(Instant.parse(created.path("enrollmentTokenExpiresAt"))).isAfter(Instant.now().plusSeconds(3600));

        // The other services read this with a plain consumer.
        List<ConsumerRecord<String, byte[]>> records = awaitRecords(Topics.HOSTS, id, "virtgate.host.registered.v1");
        assertThat(records).hasSize(1);
        ConsumerRecord<String, byte[]> record = records.get(0);
        Map<String, String> headers = Bus.headers(record);
        assertThat(headers.get("ce_type")).isEqualTo("virtgate.host.registered.v1");
        assertThat(headers.get("ce_id")).matches("[0-9a-f-]{36}");
        assertThat(headers.get("ce_source")).isEqualTo("/virtgate/migration-service");
        assertThat(Instant.parse(headers.get("ce_time"))).isBefore(Instant.now().plusSeconds(1));
        assertThat(headers.get("ce_subject")).isEqualTo(id);
        assertThat(record.key()).isEqualTo(id);
        HostRegistered event = Bus.decode(record, HostRegistered.class);
        assertThat(event.fqdn()).isEqualTo(id + ".lab.virtgate.test");
        assertThat(event.dnsNames()).containsExactly(id + ".lab.virtgate.test", id);
        assertThat(event.migrationAddresses()).containsExactly("fd00:78::1");
        assertThat(event.enrollmentKey()).isEqualTo(EnrollmentKey.fromToken(id, token).publicKey());
        assertThat(Bus.text(record)).doesNotContain(token);
        assertThat(headers.toString()).doesNotContain(token);

        // Shown once: never again in a read.
        String body = Fleet.operator().get("/v1/hosts/" + id).then().statusCode(200).body("status", is("REGISTERED"))
                .body("tlsReady", is(false)).extract().asString();
        assertThat(body).doesNotContain(token);
        Fleet.operator().get("/v1/hosts").then().statusCode(200).body("id", hasItem(id));
    }

    @Test
    void strictValidationNamesTheField() {
        String id = Fleet.unique("bad");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", "10.0.0.1", "managementAddresses", List.of("10.0.0.1")),
                400, "fqdn");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", "single-label", "managementAddresses",
                List.of("10.0.0.1")), 400, "fqdn");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", "bad_name.example.test", "managementAddresses",
                List.of("10.0.0.1")), 400, "fqdn");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", id + ".example.test", "managementAddresses",
                List.of("10.0.0.256")), 400, "managementAddresses[0]");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", id + ".example.test", "managementAddresses",
                List.of("10.0.0.1", "010.0.0.1")), 400, "managementAddresses[1]");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", id + ".example.test", "managementAddresses",
                List.of("10.0.0.1"), "migrationAddresses", List.of("example.com")), 400, "migrationAddresses[0]");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", id + ".example.test", "managementAddresses",
                List.of("10.0.0.1"), "dnsNames", List.of("-x")), 400, "dnsNames[0]");
        assertBad(Map.of("hostId", "Upper", "clusterId", "c", "fqdn", id + ".example.test", "managementAddresses",
                List.of("10.0.0.1")), 400, "hostId");
        assertBad(Map.of("hostId", id, "fqdn", id + ".example.test", "managementAddresses", List.of("10.0.0.1")),
                400, "clusterId");
        assertBad(Map.of("hostId", id, "clusterId", "c", "fqdn", id + ".example.test"), 400, "managementAddresses");
        Fleet.operator().body("{\"hostId\": ").post("/v1/hosts").then().statusCode(400)
                .contentType("application/problem+json");
        Fleet.operator().get("/v1/hosts/" + id).then().statusCode(404).contentType("application/problem+json");
        assertThat(Bus.read(Topics.HOSTS, r -> id.equals(r.key()))).isEmpty();
    }

    @Test
    void duplicateHostIdOrNameIs409() {
        Fleet.Host h = Fleet.register("dup-c");
        assertBad(Map.of("hostId", h.id(), "clusterId", "dup-c", "fqdn", "other-" + h.fqdn(), "managementAddresses",
                List.of("10.0.0.1")), 409, "hostId");
        assertBad(Map.of("hostId", "o" + h.id(), "clusterId", "dup-c", "fqdn", h.fqdn(), "managementAddresses",
                List.of("10.0.0.1")), 409, "fqdn");
    }

    @Test
    void registryFollowsEnrolmentCertificatesPostureAndRevocation() {
        Fleet.Host h = Fleet.register("reg-ev");
        Fleet.makeTlsReady(h, true);
        Fleet.operator().get("/v1/hosts/" + h.id()).then().statusCode(200)
                .body("status", is("ENROLLED"))
                .body("capabilities.libvirtVersion", is("9.0.0"))
                .body("capabilities.nativeTlsMigration", is(true))
                .body("certificate.serial", notNullValue())
                .body("certificate.revoked", is(false))
                .body("certificate.expired", is(false))
                .body("credential.version", is(1))
                .body("credential.phase", is("ACTIVE"))
                .body("posture.fresh", is(true))
                .body("posture.allPass", is(true))
                .body("posture.checks[0].name", is("unauthenticated-tcp-refused"))
                .body("enrollmentTokenExpiresAt", nullValue());

        String serial = Fleet.operator().get("/v1/hosts/" + h.id()).then().extract().path("certificate.serial");
        Fleet.configured(h, serial, true, true, true, CheckStatus.FAIL);
        Fleet.awaitTlsReady(h, false);
        Fleet.operator().get("/v1/hosts/" + h.id()).then().body("posture.allPass", is(false))
                .body("tlsProblems", hasItem("host posture check unauthenticated-tcp-refused failed"));

        Fleet.configured(h, serial, true, true, true, CheckStatus.PASS);
        Fleet.awaitTlsReady(h, true);
        Fleet.revoke(h);
        Fleet.awaitTlsReady(h, false);
        Fleet.operator().get("/v1/hosts/" + h.id()).then().body("certificate.revoked", is(true))
                .body("tlsProblems", hasItem("host certificate " + serial + " was revoked 2h ago"));
    }

    @Test
    void duringRenewalTheHostStaysTlsReadyOnItsValidPreviousCertificate() {
        Fleet.Host h = Fleet.register("reg-renew");
        Fleet.makeTlsReady(h, true);
        String previous = Fleet.operator().get("/v1/hosts/" + h.id()).then().extract().path("certificate.serial");
        String renewed = Fleet.renew(h);
        Awaitility.await("renewal seen").atMost(Duration.ofSeconds(30)).until(() -> renewed.equals(
                Fleet.operator().get("/v1/hosts/" + h.id()).then().extract().path("certificate.serial")));
        // libvirtd still runs the previous certificate, which is neither revoked nor expired
        Fleet.operator().get("/v1/hosts/" + h.id()).then().body("tlsReady", is(true))
                .body("certificate.appliedSerial", is(previous));
        Fleet.revoke(h, previous);
        Fleet.awaitTlsReady(h, false);
        Fleet.operator().get("/v1/hosts/" + h.id()).then()
                .body("tlsProblems", hasItem("host libvirtd runs certificate " + previous + ", not the current " + renewed));
        Fleet.configured(h, renewed, true, true, true, CheckStatus.PASS);
        Fleet.awaitTlsReady(h, true);
    }

    @Test
    void decommissionEmitsHostDecommissionedOnce() {
        Fleet.Host h = Fleet.register("dec-c");
        Fleet.operator().delete("/v1/hosts/" + h.id()).then().statusCode(204);
        Fleet.operator().delete("/v1/hosts/" + h.id()).then().statusCode(204);
        Fleet.operator().get("/v1/hosts/" + h.id()).then().body("status", is("DECOMMISSIONED"))
                .body("tlsReady", is(false));
        List<ConsumerRecord<String, byte[]>> records = awaitRecords(Topics.HOSTS, h.id(),
                "virtgate.host.decommissioned.v1");
        HostDecommissioned event = Bus.decode(records.get(0), HostDecommissioned.class);
        assertThat(event.requestedBy()).isEqualTo("alice");
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5)).until(() ->
                Bus.read(Topics.HOSTS, r -> h.id().equals(r.key())
                        && "virtgate.host.decommissioned.v1".equals(Bus.ceType(r))).size() == 1);
        Fleet.operator().delete("/v1/hosts/nope-" + h.id()).then().statusCode(404);
    }

    @Test
    void poisonEventsGoToTheDeadLetterTopicAndTheConsumerContinues() {
        String poisonKey = Fleet.unique("poison");
        Bus.publishRaw(Topics.AGENT_REPORTS, poisonKey, Map.of("ce_id", poisonKey, "ce_source", "/evil",
                "ce_type", "virtgate.host.configured.v1", "ce_time", Instant.now().toString(), "ce_specversion", "1.0"),
                "{\"hostId\": 42}".getBytes(StandardCharsets.UTF_8));
        Bus.publishRaw(Topics.PKI, poisonKey, Map.of("ce_id", poisonKey + "-2", "ce_source", "/evil",
                "ce_type", "virtgate.pki.cert-issued.v1", "ce_time", Instant.now().toString()),
                "not json".getBytes(StandardCharsets.UTF_8));
        Awaitility.await("poison in virtgate.dlq.migration-service").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> Bus.read(Topics.deadLetter("migration-service"), r -> poisonKey.equals(r.key())).size() >= 2);
        Fleet.Host h = Fleet.register("poison-c");
        Fleet.makeTlsReady(h, false); // both consumers still work
    }

    static List<ConsumerRecord<String, byte[]>> awaitRecords(String topic, String key, String ceType) {
        return Awaitility.await(ceType + " for " + key).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Bus.read(topic, r -> key.equals(r.key()) && ceType.equals(Bus.ceType(r))), l -> !l.isEmpty());
    }

    static void assertBad(Map<String, Object> body, int status, String field) {
        Fleet.operator().body(body).post("/v1/hosts").then().statusCode(status)
                .contentType("application/problem+json").body("invalidParams.name", hasItem(field));
    }
}
