package dev.virtgate.pki;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.service.RenewalService;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import dev.virtgate.testsupport.trust.TestProducer;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class EnrollmentEventTest {

    /** What an agent holding {@code token} sends: a CSR for {@code key} and the proof bound to that CSR. */
    static HostEnrolled enrolled(HostRegistered host, KeyPair key, String token) {
        String csr = TestCsr.pem(key, host.fqdn(), List.of(host.fqdn()), List.of(host.managementAddresses().get(0)));
        return new HostEnrolled(host.hostId(), host.clusterId(), host.fqdn(), csr, Fixtures.proof(host, token, csr),
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"), List.of("tls"),
                        UUID.randomUUID().toString(), "0.1.0"));
    }

    static TestProducer.Signed enroll(HostRegistered host, KeyPair key, String token) {
        return TestBus.asEnrollingHost(enrolled(host, key, token), key);
    }

    static boolean isCertIssued(ConsumerRecord<String, byte[]> record) {
        return EventType.CERT_ISSUED.ceType().equals(TestBus.header(record, CloudEventHeaders.TYPE));
    }

    @Test
    void hostRegisteredThenHostEnrolledOnKafkaYieldsOneSignedCertIssuedAndTheTokenBindsToTheFirstKey()
            throws Exception {
        String token = Fixtures.token();
        HostRegistered host = Fixtures.registered(Fixtures.hostId("e2e"), token);
        TestBus.asMigrationService(host);
        KeyPair key = TestKeys.p256();
        TestProducer.Signed enrollment = enroll(host, key, token);

        var record = TestBus.awaitRecord(Topics.PKI, r -> host.hostId().equals(r.key()) && isCertIssued(r),
                Duration.ofSeconds(30));
        assertThat(TestBus.header(record, CloudEventHeaders.TYPE)).isEqualTo("virtgate.pki.cert-issued.v1");
        assertThat(TestBus.header(record, CloudEventHeaders.SUBJECT)).isEqualTo(host.hostId());
        assertThat(TestBus.header(record, CloudEventHeaders.SOURCE)).contains("pki-service");
        assertThat(UUID.fromString(TestBus.header(record, CloudEventHeaders.ID))).isNotNull();
        assertThat(TestBus.header(record, CloudEventHeaders.ID)).isNotEqualTo(enrollment.envelope().id());
        assertThat(TestBus.header(record, EventSignatures.SIGNATURE)).isNotBlank();
        assertThat(TestBus.header(record, EventSignatures.SIGNER_CHAIN)).isNotBlank();
        CertIssued issued = TestBus.decode(CertIssued.class, record);
        assertThat(issued.reason()).isEqualTo("ENROLLMENT");
        assertThat(issued.libvirtDn()).isEqualTo("O=virtgate,OU=cluster-a,CN=" + host.fqdn());
        assertThat(Certs.opensslVerify(String.join("", issued.caBundlePem()), issued.certificatePem(), null).ok()).isTrue();
        Certs.pkixValidate(String.join("", issued.caBundlePem()), issued.certificatePem());
        GeneralName[] sans = GeneralNames.fromExtensions(Pem.certificate(issued.certificatePem()).getExtensions(),
                Extension.subjectAlternativeName).getNames();
        assertThat(Arrays.stream(sans).filter(n -> n.getTagNo() == GeneralName.uniformResourceIdentifier)
                .map(n -> n.getName().toString())).containsExactly("urn:virtgate:host:" + host.hostId());
        assertThat(new String(record.value(), StandardCharsets.UTF_8)).doesNotContain(token);

        // re-delivered (same ce_id), and the bound key enrolling again: nothing new; another key: refused
        long certs = PkiState.certificateCount();
        TestBus.send(enrollment);
        enroll(host, key, token);
        KeyPair other = TestKeys.p256();
        String secondKey = enroll(host, other, token).envelope().id();
        var dead = TestBus.awaitDeadLetter(secondKey);
        assertThat(TestBus.deadLetterReason(dead)).contains("enrolling-host:" + host.hostId())
                .contains("already bound to another key");
        // the three share the host's partition: all were consumed before the refusal was parked
        assertThat(PkiState.outbox(CertIssued.class, host.hostId())).hasSize(1);
        assertThat(PkiState.certificateCount()).isEqualTo(certs);
        assertThat(TestBus.all(Topics.deadLetter("pki-service"),
                r -> enrollment.envelope().id().equals(TestBus.header(r, CloudEventHeaders.ID)))).isEmpty();
    }

    @Test
    void enrollmentWithAnotherHostsTokenIsParkedAndIssuesNothing() {
        String tokenA = Fixtures.token();
        String tokenB = Fixtures.token();
        HostRegistered a = Fixtures.registered(Fixtures.hostId("ev-a"), tokenA);
        HostRegistered b = Fixtures.registered(Fixtures.hostId("ev-b"), tokenB);
        TestBus.asMigrationService(a);
        TestBus.asMigrationService(b);
        String stolen = enroll(a, TestKeys.p256(), tokenB).envelope().id();
        enroll(b, TestKeys.p256(), tokenB);
        assertThat(TestBus.deadLetterReason(TestBus.awaitDeadLetter(stolen)))
                .contains("enrollment proof is not valid for host " + a.hostId());
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, b.hostId()).size() == 1);
        assertThat(PkiState.outbox(CertIssued.class, a.hostId())).isEmpty();
    }

    @Test
    void poisonEventGoesToTheDeadLetterTopicAndTheConsumerContinues() {
        String hostId = Fixtures.hostId("poison");
        EventEnvelope poison = new EventEnvelope(UUID.randomUUID().toString(), "/test/poison",
                EventType.HOST_ENROLLED, hostId, Instant.now());
        TestBus.publish(poison, "{\"hostId\":\"not valid\"".getBytes(StandardCharsets.UTF_8));

        String token = Fixtures.token();
        HostRegistered next = Fixtures.registered(Fixtures.hostId("after-poison"), token);
        TestBus.asMigrationService(next);
        enroll(next, TestKeys.p256(), token);

        var dead = TestBus.awaitDeadLetter(poison.id());
        assertThat(dead.key()).isEqualTo(hostId);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, next.hostId()).size() == 1);
        given().get("/q/health/ready").then().statusCode(200);
    }

    @Test
    void noEventPkiServiceEmitsCarriesATokenOrAProof() {
        // enrollment over the bus, over REST, then a renewal request and a revocation: every kind pki-service emits
        String busToken = Fixtures.token();
        HostRegistered viaBus = Fixtures.registered(Fixtures.hostId("secret-bus"), busToken);
        TestBus.asMigrationService(viaBus);
        KeyPair key = TestKeys.p256();
        HostEnrolled genuine = enrolled(viaBus, key, busToken);
        TestBus.asEnrollingHost(genuine, key);
        var viaRest = IssuanceRestTest.newHost("secret-rest");
        String restCsr = viaRest.csr();
        String restProof = Fixtures.proof(viaRest.registration(), viaRest.token(), restCsr);
        String serial = IssuanceRestTest.postProof(viaRest.id(), restCsr, restProof).statusCode(201).extract()
                .path("serial");
        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "keyCompromise")).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, viaBus.hostId()).size() == 1);
        PkiState.run(() -> IssuedCertificate.update("renewAfter = ?1 where hostId = ?2", Instant.now().minusSeconds(1),
                viaBus.hostId()));
        PkiState.run(() -> Arc.container().instance(RenewalService.class).get().requestDue());

        for (String type : List.of(EventType.CERT_ISSUED.ceType(), EventType.CERT_RENEWAL_REQUESTED.ceType())) {
            TestBus.awaitRecord(Topics.PKI, r -> viaBus.hostId().equals(r.key())
                    && type.equals(TestBus.header(r, CloudEventHeaders.TYPE)), Duration.ofSeconds(30));
        }
        TestBus.awaitRecord(Topics.PKI, r -> viaRest.id().equals(r.key())
                && EventType.CERT_REVOKED.ceType().equals(TestBus.header(r, CloudEventHeaders.TYPE)),
                Duration.ofSeconds(30));
        List<ConsumerRecord<String, byte[]>> emitted = new ArrayList<>();
        for (String topic : List.of(Topics.PKI, Topics.HOSTS)) {
            emitted.addAll(TestBus.all(topic, r -> "/virtgate/pki-service".equals(TestBus.header(r, CloudEventHeaders.SOURCE))));
        }
        assertThat(emitted).extracting(r -> TestBus.header(r, CloudEventHeaders.TYPE))
                .contains(EventType.CERT_ISSUED.ceType(), EventType.CERT_REVOKED.ceType(),
                        EventType.CERT_RENEWAL_REQUESTED.ceType());
        for (ConsumerRecord<String, byte[]> record : emitted) {
            StringBuilder everything = new StringBuilder(new String(record.value(), StandardCharsets.UTF_8));
            record.headers().forEach(h -> everything.append('\n').append(new String(h.value(), StandardCharsets.UTF_8)));
            assertThat(everything.toString()).doesNotContain(busToken).doesNotContain(viaRest.token())
                    .doesNotContain(genuine.enrollmentProof()).doesNotContain(restProof)
                    .doesNotContain("enrollmentToken").doesNotContain("enrollmentProof");
        }
        assertThat(PkiState.outbox(CertRevoked.class, viaRest.id())).hasSize(1);
        assertThat(PkiState.outbox(CertRenewalRequested.class, viaBus.hostId())).hasSize(1);
    }
}
