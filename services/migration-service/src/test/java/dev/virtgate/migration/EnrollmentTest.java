package dev.virtgate.migration;

import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.testsupport.OpenBaoServer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * The enrollment bundle (token and CA fingerprint, once, over REST) and what travels instead of the
 * token: HostRegistered carries the public key the token seeds, HostEnrolled a proof made with it.
 */
@QuarkusTest
class EnrollmentTest {

    @Test
    void registrationAnswersTheBundleAndOnlyTheEnrollmentKeyTravels() {
        ExtractableResponse<Response> created = registerRaw(Fleet.unique("bundle"), "enrol-c");
        String id = created.path("hostId");
        assertThat(created.statusCode()).isEqualTo(201);
        String token = created.path("enrollmentToken");
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(created.<String>path("caCertSha256")).matches("sha256:[0-9a-f]{64}")
                .isEqualTo(EventSignatures.fingerprint(TestTrust.CA.certificate()));

        ConsumerRecord<String, byte[]> record = HostApiTest.awaitRecords(Topics.HOSTS, id,
                "virtgate.host.registered.v1").get(0);
        HostRegistered registered = Bus.decode(record, HostRegistered.class);
        assertThat(registered.enrollmentKey()).isEqualTo(EnrollmentKey.fromToken(id, token).publicKey());
        assertThat(Bus.text(record)).doesNotContain(token);
        Map<String, String> headers = Bus.headers(record);
        assertThat(headers.values()).noneMatch(v -> v != null && v.contains(token));
        // signed by migration-service's own key, verifiable by anyone who trusts the published CA
        EventEnvelope envelope = EventEnvelope.fromHeaders(headers);
        Producer producer = new EventVerifier(TrustAnchors.of(List.of(TestTrust.CA.certificate())))
                .verify(envelope, headers, record.value(), registered);
        assertThat(producer).isEqualTo(Producer.service("migration-service"));
    }

    @Test
    void aProofMadeWithAnotherTokenDoesNotEnroll() {
        Fleet.Host h = Fleet.register("enrol-c");
        Bus.publish(h.agent().enrolled("x".repeat(43), Fleet.caps(true)));

        String reason = Bus.reason(Bus.awaitDeadLetters(h.id(), 1).get(0));
        assertThat(reason).contains("virtgate.host.enrolled.v1").contains("enrolling-host:" + h.id())
                .contains("enrollment proof does not verify");
        Fleet.viewer().get("/v1/hosts/" + h.id()).then().body("status", is("REGISTERED"))
                .body("capabilities", nullValue());
    }

    @Test
    void theTokenBindsTheFirstKeyThatProvesItAndRefusesASecond() {
        Fleet.Host h = Fleet.register("enrol-c");
        Fleet.makeTlsReady(h, true);
        // the same token, proven again for a CSR of another key (a stolen token, used after the host enrolled)
        SimulatedAgent thief = new SimulatedAgent(h.id(), h.cluster(), h.fqdn());
        Bus.publish(thief.enrolled(h.token(), Fleet.caps(false)));

        String reason = Bus.reason(Bus.awaitDeadLetters(h.id(), 1).get(0));
        assertThat(reason).contains("virtgate.host.enrolled.v1")
                .contains("the enrollment token of host " + h.id() + " is already bound to another key");
        Fleet.viewer().get("/v1/hosts/" + h.id()).then().body("status", is("ENROLLED"))
                .body("capabilities.nativeTlsMigration", is(true));
        // the agent re-sending its own enrolment is fine
        Bus.publish(h.agent().enrolled(h.token(), Fleet.caps(false)));
        Awaitility.await("re-sent enrolment applied").atMost(Duration.ofSeconds(30)).until(() -> Boolean.FALSE.equals(
                Fleet.viewer().get("/v1/hosts/" + h.id()).then().extract().path("capabilities.nativeTlsMigration")));
    }

    @Test
    void beforeAnyCaIsPublishedRegistrationIs503AndStoresNothing() {
        OpenBaoServer openBao = OpenBaoServer.shared();
        openBao.call("DELETE", "secret/metadata/" + TrustStorePaths.CA, null);
        try {
            String[] refused = new String[1];
            Awaitility.await("503 once the service re-read the empty store").atMost(Duration.ofSeconds(30))
                    .pollInterval(Duration.ofMillis(250)).until(() -> {
                        String id = Fleet.unique("early");
                        int status = registerRaw(id, "enrol-early").statusCode();
                        refused[0] = id;
                        return status == 503;
                    });
            Fleet.operator().body(registration(refused[0], "enrol-early")).post("/v1/hosts").then().statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", is("5"));
            Fleet.viewer().get("/v1/hosts/" + refused[0]).then().statusCode(404);
            assertThat(Bus.read(Topics.HOSTS, r -> refused[0].equals(r.key()))).isEmpty();
        } finally {
            TestTrust.republish();
        }
        Awaitility.await("registration works again").atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> registerRaw(Fleet.unique("later"), "enrol-early").statusCode() == 201);
    }

    private static ExtractableResponse<Response> registerRaw(String id, String cluster) {
        return Fleet.operator().body(registration(id, cluster)).post("/v1/hosts").then().extract();
    }

    private static Map<String, Object> registration(String id, String cluster) {
        return Map.of("hostId", id, "clusterId", cluster, "fqdn", id + ".lab.virtgate.test",
                "managementAddresses", List.of("10.77.20.1"));
    }
}
