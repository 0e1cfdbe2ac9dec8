package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class EnrollmentEventTest {

    static HostEnrolled enrolled(HostRegistered host, KeyPair key, String token) {
        String csr = Fixtures.csr(key, host.fqdn(), List.of(host.fqdn()), List.of(host.managementAddresses().get(0)));
        return new HostEnrolled(host.hostId(), host.clusterId(), host.fqdn(), csr, token,
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"), List.of("tls"),
                        UUID.randomUUID().toString(), "0.1.0"));
    }

    @Test
    void hostRegisteredThenHostEnrolledOnKafkaYieldsCertIssuedWithCloudEventsHeaders() throws Exception {
        String token = Fixtures.token();
        HostRegistered host = Fixtures.registered(Fixtures.hostId("e2e"), token);
        TestBus.publish(host);
        EventEnvelope enrollment = TestBus.publish(enrolled(host, Fixtures.p256(), token));

        var record = TestBus.awaitRecord(Topics.PKI, r -> host.hostId().equals(r.key())
                && EventType.CERT_ISSUED.ceType().equals(TestBus.header(r, CloudEventHeaders.TYPE)), Duration.ofSeconds(30));
        assertThat(TestBus.header(record, CloudEventHeaders.TYPE)).isEqualTo("virtgate.pki.cert-issued.v1");
        assertThat(TestBus.header(record, CloudEventHeaders.SUBJECT)).isEqualTo(host.hostId());
        assertThat(TestBus.header(record, CloudEventHeaders.SOURCE)).contains("pki-service");
        assertThat(UUID.fromString(TestBus.header(record, CloudEventHeaders.ID))).isNotNull();
        assertThat(TestBus.header(record, CloudEventHeaders.ID)).isNotEqualTo(enrollment.id());
        CertIssued issued = TestBus.decode(CertIssued.class, record);
        assertThat(issued.reason()).isEqualTo("ENROLLMENT");
        assertThat(issued.libvirtDn()).isEqualTo("O=virtgate,OU=cluster-a,CN=" + host.fqdn());
        assertThat(Certs.opensslVerify(String.join("", issued.caBundlePem()), issued.certificatePem(), null).ok()).isTrue();
        Certs.pkixValidate(String.join("", issued.caBundlePem()), issued.certificatePem());
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain(token);

        // a replay (same event again, and a new event with the same token) issues nothing new
        long certs = PkiState.certificateCount();
        TestBus.publish(enrollment, new dev.virtgate.contracts.EventCodec().encode(enrolled(host, Fixtures.p256(), token)));
        TestBus.publish(enrolled(host, Fixtures.p256(), token));
        // a marker host enrolled afterwards proves both replays were consumed (per-partition order aside, wait for it)
        String markerToken = Fixtures.token();
        HostRegistered marker = Fixtures.registered(Fixtures.hostId("marker"), markerToken);
        TestBus.publish(marker);
        TestBus.publish(enrolled(marker, Fixtures.p256(), markerToken));
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, marker.hostId()).size() == 1);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> PkiState.outbox(CertIssued.class, host.hostId()).size() == 1);
        assertThat(PkiState.certificateCount()).isEqualTo(certs + 1);
    }

    @Test
    void enrollmentWithAnotherHostsTokenIssuesNothing() {
        String tokenA = Fixtures.token();
        String tokenB = Fixtures.token();
        HostRegistered a = Fixtures.registered(Fixtures.hostId("ev-a"), tokenA);
        HostRegistered b = Fixtures.registered(Fixtures.hostId("ev-b"), tokenB);
        TestBus.publish(a);
        TestBus.publish(b);
        TestBus.publish(enrolled(a, Fixtures.p256(), tokenB));
        TestBus.publish(enrolled(b, Fixtures.p256(), tokenB));
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, b.hostId()).size() == 1);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> PkiState.outbox(CertIssued.class, a.hostId()).isEmpty());
    }

    @Test
    void poisonEventGoesToTheDeadLetterTopicAndTheConsumerContinues() {
        String hostId = Fixtures.hostId("poison");
        EventEnvelope poison = new EventEnvelope(UUID.randomUUID().toString(), "/test/poison",
                EventType.HOST_ENROLLED, hostId, Instant.now());
        TestBus.publish(poison, "{\"hostId\":\"not valid\"".getBytes(StandardCharsets.UTF_8));

        String token = Fixtures.token();
        HostRegistered next = Fixtures.registered(Fixtures.hostId("after-poison"), token);
        TestBus.publish(next);
        TestBus.publish(enrolled(next, Fixtures.p256(), token));

        var dead = TestBus.awaitRecord(Topics.deadLetter("pki-service"),
                r -> poison.id().equals(TestBus.header(r, CloudEventHeaders.ID)), Duration.ofSeconds(30));
        assertThat(dead.key()).isEqualTo(hostId);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, next.hostId()).size() == 1);
        given().get("/q/health/ready").then().statusCode(200);
    }
}
