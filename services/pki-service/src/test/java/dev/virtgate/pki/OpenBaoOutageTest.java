package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestProducer;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.trust.TestKeys;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

/** Stops OpenBao (a dev server comes back empty): runs last. */
@Order(Integer.MAX_VALUE)
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class OpenBaoOutageTest {

    @Test
    void withoutOpenBaoNothingIsIssuedAndAfterAWipeNoOtherKeyIsEverUsed() {
        var host = IssuanceRestTest.newHost("outage");
        long certs = PkiState.certificateCount();
        OpenBaoServer bao = OpenBaoServer.shared();
        // migration-service signs through OpenBao too: its registration of a late host is made before the outage
        String token = Fixtures.token();
        HostRegistered late = Fixtures.registered(Fixtures.hostId("during-outage"), token);
        TestProducer.Signed registration = TestProducer.viaTransit(bao, "migration-service").sign(late);
        String enrollmentId;
        bao.stop();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().get("/q/health/ready").then().statusCode(503));
            IssuanceRestTest.post(host).statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", notNullValue());
            // public CA material is still served from the database
            given().get("/v1/ca").then().statusCode(200);

            // an enrollment arriving now waits for Transit: it is retried, not dead-lettered...
            TestBus.send(registration);
            var key = TestKeys.p256();
            enrollmentId = TestBus.asEnrollingHost(EnrollmentEventTest.enrolled(late, key, token), key).envelope().id();
            try (var deadLetters = TestBus.consumer(Topics.deadLetter("pki-service"))) {
                Awaitility.await().during(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(8))
                        .until(() -> noneWithId(deadLetters, enrollmentId));
            }
            assertThat(PkiState.certificateCount()).isEqualTo(certs);
        } finally {
            bao.start();
        }
        // the dev server restarted empty: the CA key is gone, and the service must not make a new one
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(503)
                        .body(containsString("missing in Transit")));
        IssuanceRestTest.post(host).statusCode(503)
                .contentType("application/problem+json").header("Retry-After", notNullValue());
        assertThat(bao.call("GET", "transit/keys/virtgate-ca", null).statusCode()).isEqualTo(404);
        assertThat(PkiState.certificateCount()).isEqualTo(certs);

        // ...and once it cannot succeed (the wiped dev server lost the CA key) or virtgate.pki.event-retry-for
        // (15 s in tests) has passed, it is parked on the dead-letter topic: never lost
        var parked = TestBus.awaitRecord(Topics.deadLetter("pki-service"),
                r -> enrollmentId.equals(TestBus.header(r, CloudEventHeaders.ID)), Duration.ofSeconds(60));
        assertThat(parked.key()).isNotNull();
    }

    private static boolean noneWithId(KafkaConsumer<String, byte[]> consumer, String id) {
        for (var record : consumer.poll(Duration.ofMillis(200))) {
            if (id.equals(TestBus.header(record, CloudEventHeaders.ID))) {
                return false;
            }
        }
        return true;
    }
}
