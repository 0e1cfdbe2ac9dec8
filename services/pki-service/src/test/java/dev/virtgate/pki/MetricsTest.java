package dev.virtgate.pki;

import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.PrometheusText;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What /q/metrics shows of the certificates this CA issued and of the events it refused. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class MetricsTest {
    private static final String EXPIRY = "virtgate_pki_certificate_expiry_seconds";

    @Test
    void anIssuedCertificateShowsItsSecondsLeftUntilItIsRevoked() throws Exception {
        var host = IssuanceRestTest.newHost("metrics");
        var issued = IssuanceRestTest.post(host).statusCode(201).extract().jsonPath();
        Instant notAfter = Pem.certificate(issued.getString("certificatePem")).getNotAfter().toInstant();
        Map<String, String> labels = Map.of("host", host.id(), "cluster", "cluster-a");

        PrometheusText shown = awaitScrape("expiry of " + host.id(), s -> s.value(EXPIRY, labels).isPresent());
        double expected = Duration.between(Instant.now(), notAfter).toSeconds();
        assertThat(shown.value(EXPIRY, labels).orElseThrow()).isCloseTo(expected, within(60.0));
        assertThat(expected).as("leaf validity P30D").isGreaterThan(Duration.ofDays(29).toSeconds());
        double first = shown.value(EXPIRY, labels).orElseThrow();
        Awaitility.await("computed at scrape time, not a snapshot").atMost(Duration.ofSeconds(10))
                .until(() -> scrape().value(EXPIRY, labels).orElseThrow() < first);

        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "keyCompromise")).post("/v1/certificates/" + issued.getString("serial") + "/revoke")
                .then().statusCode(200);
        awaitScrape("revoked: series gone", s -> s.find(EXPIRY, Map.of("host", host.id())).isEmpty());
    }

    @Test
    void aDecommissionSignedByAHostIsCountedAsUntrusted() {
        var victim = ForgedHostEventsTest.enrolled("metrics-forged");
        Map<String, String> labels = Map.of("type", "virtgate.host.decommissioned.v1", "reason", "untrusted");
        double before = scrape().value("virtgate_events_refused_total", labels).orElse(0.0);

        TestBus.asHost(victim.host().id(), new HostDecommissioned(victim.host().id(), "cluster-a", "retired", "mallory"),
                victim.host().key(), victim.certificatePem());

        awaitScrape("refusal counted", s -> s.value("virtgate_events_refused_total", labels).orElse(0.0) == before + 1);
    }

    @Test
    void anEnrollmentWithAWrongTokenIsCountedAsRefusedByState() {
        String token = Fixtures.token();
        HostRegistered host = Fixtures.registered(Fixtures.hostId("metrics-token"), token);
        PkiState.register(host);
        Map<String, String> labels = Map.of("type", "virtgate.host.enrolled.v1", "reason", "state");
        double before = scrape().value("virtgate_events_refused_total", labels).orElse(0.0);

        EnrollmentEventTest.enroll(host, TestKeys.p256(), Fixtures.token());

        awaitScrape("refusal counted", s -> s.value("virtgate_events_refused_total", labels).orElse(0.0) == before + 1);
    }

    @Test
    void outboxLagIsExported() {
        PrometheusText metrics = scrape();
        assertThat(metrics.value("virtgate_outbox_unsent", Map.of())).isPresent();
        assertThat(metrics.value("virtgate_outbox_lag_seconds", Map.of())).isPresent();
    }

    static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    static PrometheusText awaitScrape(String what, Predicate<PrometheusText> condition) {
        return Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(MetricsTest::scrape, condition);
    }
}
