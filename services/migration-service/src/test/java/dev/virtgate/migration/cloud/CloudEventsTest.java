package dev.virtgate.migration.cloud;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertificateExpiring;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CloudMigrationRequested;
import dev.virtgate.contracts.events.CloudRequestAnswered;
import dev.virtgate.contracts.events.HostPostureChanged;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.contracts.events.MigrationStateChanged;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.migration.Bus;
import dev.virtgate.migration.Fleet;
import dev.virtgate.migration.TestTrust;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestProducer;
import dev.virtgate.testsupport.trust.TrustFixture;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.virtgate.migration.cloud.ExternalCloud.awaitPublic;
import static dev.virtgate.migration.cloud.ExternalCloud.decode;
import static dev.virtgate.migration.cloud.ExternalCloud.publicOf;
import static dev.virtgate.migration.cloud.ExternalCloud.verify;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

/**
 * An external cloud over the real broker: it submits signed migration requests as principal
 * external-cloud and reads the answers and the lifecycle on the public stream as cloud-observer.
 */
@QuarkusTest
class CloudEventsTest {
    /** The cloud's certificates come from a CA migration-service trusts (published like virtgate's). */
    private static final ExternalCloud CLOUD = new ExternalCloud("cloud-test");
    private static final ExternalCloud.Client OPERATOR = CLOUD.client("openstack-nova", "operator");
    private static final ExternalCloud.Client VIEWER = CLOUD.client("dashboard-reader", "viewer");
    private static final ExternalCloud.Client REVOKED = CLOUD.client("stolen-laptop", "operator");

    @BeforeAll
    static void trustTheCloudsCa() {
        TestTrust.publish();
        TrustFixture.write(OpenBaoServer.shared(), TrustStorePaths.CA, Map.of(
                TrustStorePaths.BUNDLE_PEM, TestTrust.CA.pem() + CLOUD.ca.pem(),
                TrustStorePaths.CRL_PEM, CLOUD.crlPem(REVOKED.certificate())));
    }

    @AfterAll
    static void restoreTheTrust() {
        TestTrust.republish();
    }

    @Test
    void anAcceptedRequestIsAnsweredWithItsIdTrackedAuditedAndItsLifecyclePublished() {
        Fleet.Host a = Fleet.register("cloud-c");
        Fleet.Host b = Fleet.register("cloud-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String requestId = Fleet.unique("req");
        TestProducer.Signed sent = ExternalCloud.send(OPERATOR.producer()
                .sign(new CloudMigrationRequested(requestId, "vm-cloud", a.id(), b.id(), 400)));

        ConsumerRecord<String, byte[]> answerRecord = awaitAnswers(requestId, 1).get(0);
        CloudRequestAnswered answer = decode(answerRecord, CloudRequestAnswered.class);
        assertThat(answer.outcome()).isEqualTo(CloudRequestAnswered.Outcome.ACCEPTED);
        assertThat(answer.requestEventId()).isEqualTo(sent.envelope().id());
        assertThat(answer.refusal()).isNull();
        // signed by migration-service like every event: the cloud verifies it against virtgate's CA
        assertThat(verify(answerRecord)).isEqualTo(Producer.service("migration-service"));

        String id = answer.migrationId();
        Fleet.operator().get("/v1/migrations/" + id).then().statusCode(200).body("state", is("REQUESTED"))
                .body("mode", is("TLS_NATIVE")).body("requestedBy", is(OPERATOR.subjectDn()))
                .body("vmName", is("vm-cloud"));
        // the same decision the REST door takes for the same pair
        Fleet.operator().body(Fleet.migration("vm-rest", a, b)).post("/v1/migrations").then().statusCode(202)
                .body("mode", is("TLS_NATIVE"));
        Fleet.operator().queryParam("action", "migration.start").queryParam("actor", OPERATOR.subjectDn())
                .queryParam("size", 100).get("/v1/audit").then()
                .statusCode(200).body("items.find { it.target == '" + id + "' }.outcome", is("accepted"));

        awaitStates(id, "REQUESTED");
        Bus.publish(a.agent().producer(), new MigrationProgress(id, a.id(), 500, 1000, 250, 750, 100_000_000));
        Bus.publish(a.agent().producer(), new MigrationCompleted(id, "vm-cloud", a.id(), b.id(),
                MigrationMode.TLS_NATIVE, 2000, 150L, 100L, 1000L, 500L));
        awaitStates(id, "REQUESTED", "RUNNING", "COMPLETED");
    }

    @Test
    void aReplayedRequestIdGetsTheSameAnswerAndNoSecondMigration() {
        Fleet.Host a = Fleet.register("cloud-r");
        Fleet.Host b = Fleet.register("cloud-r");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String requestId = Fleet.unique("req");
        CloudMigrationRequested request = new CloudMigrationRequested(requestId, "vm-replay", a.id(), b.id(), null);
        TestProducer.Signed first = ExternalCloud.send(OPERATOR.producer().sign(request));
        String id = decode(awaitAnswers(requestId, 1).get(0), CloudRequestAnswered.class).migrationId();

        ExternalCloud.send(OPERATOR.producer().sign(request)); // the cloud retried: a new event, the same id
        ExternalCloud.send(first); // the bus redelivered the first: already answered
        List<ConsumerRecord<String, byte[]>> answers = awaitAnswers(requestId, 2);
        assertThat(answers).extracting(r -> decode(r, CloudRequestAnswered.class).migrationId()).containsOnly(id);
        assertThat(MigrationEntity.count("idempotencyKey", requestId)).isEqualTo(1);
        Awaitility.await("no answer for the redelivered event").during(Duration.ofSeconds(3))
                .atMost(Duration.ofSeconds(10)).until(() -> answers(requestId).size() == 2);
    }

    @Test
    void aRequestThePolicyRefusesIsAnsweredWithTheReasons() {
        Fleet.Host a = Fleet.register("cloud-p");
        Fleet.Host b = Fleet.register("cloud-p");
        String requestId = Fleet.unique("req");
        ExternalCloud.send(OPERATOR.producer().sign(new CloudMigrationRequested(requestId, "vm-refused", a.id(),
                b.id(), null)));
        CloudRequestAnswered answer = decode(awaitAnswers(requestId, 1).get(0), CloudRequestAnswered.class);
        assertThat(answer.outcome()).isEqualTo(CloudRequestAnswered.Outcome.REFUSED);
        assertThat(answer.migrationId()).isNull();
        assertThat(answer.refusal().kind()).isEqualTo("REFUSED");
        assertThat(answer.refusal().detail()).contains("the cluster policy forbids every migration mode");
        assertThat(answer.refusal().invalidParams()).extracting(CloudRequestAnswered.InvalidParam::name)
                .contains("sourceHostId", "destinationHostId");
        assertThat(MigrationEntity.count("vmName", "vm-refused")).isZero();
        Fleet.operator().queryParam("action", "migration.start").queryParam("actor", OPERATOR.subjectDn())
                .queryParam("size", 100).get("/v1/audit").then()
                .statusCode(200).body("items.find { it.target == 'vm-refused' }.outcome", is("refused"));

        String invalid = Fleet.unique("req");
        ExternalCloud.send(OPERATOR.producer().sign(new CloudMigrationRequested(invalid, "bad name!", a.id(), b.id(),
                null)));
        CloudRequestAnswered unprocessable = decode(awaitAnswers(invalid, 1).get(0), CloudRequestAnswered.class);
        assertThat(unprocessable.refusal().kind()).isEqualTo("UNPROCESSABLE");
        assertThat(unprocessable.refusal().invalidParams()).extracting(CloudRequestAnswered.InvalidParam::name)
                .containsExactly("vmName");
    }

    @Test
    void forgedForeignRevokedOrViewerRequestsAreDeadLetteredAndRefused() {
        Fleet.Host a = Fleet.register("cloud-f");
        Fleet.Host b = Fleet.register("cloud-f");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);

        String forged = Fleet.unique("req");
        // the operator's certificate, but the signature of another key
        TestProducer.Signed signed = CLOUD.client("attacker", "operator").producer()
                .sign(request(forged, "vm-forged", a, b));
        Map<String, String> headers = new HashMap<>(signed.headers());
        headers.put(EventSignatures.SIGNER_CHAIN, EventSignatures.encodeChain(List.of(OPERATOR.certificate())));
        ExternalCloud.send(forged, headers, signed.payload());
        refusedAndDeadLettered(forged, "signature does not verify");

        String foreign = Fleet.unique("req");
        ExternalCloud.send(new ExternalCloud("elsewhere").client("nova", "operator").producer()
                .sign(request(foreign, "vm-foreign", a, b)));
        refusedAndDeadLettered(foreign, "not from a trusted CA");

        String revoked = Fleet.unique("req");
        ExternalCloud.send(REVOKED.producer().sign(request(revoked, "vm-revoked", a, b)));
        refusedAndDeadLettered(revoked, "is revoked");

        String viewer = Fleet.unique("req");
        ExternalCloud.send(VIEWER.producer().sign(request(viewer, "vm-viewer", a, b)));
        CloudRequestAnswered forbidden = refusedAndDeadLettered(viewer, "not operator");
        assertThat(forbidden.refusal().kind()).isEqualTo("FORBIDDEN");

        String unsigned = Fleet.unique("req");
        TestProducer.Signed plain = OPERATOR.producer().sign(request(unsigned, "vm-unsigned", a, b));
        Map<String, String> noSignature = new HashMap<>(plain.headers());
        noSignature.remove(EventSignatures.SIGNATURE);
        ExternalCloud.send(unsigned, noSignature, plain.payload());
        refusedAndDeadLettered(unsigned, "unsigned event");

        ExternalCloud.send("garbage", plain.headers(), "{not json".getBytes(StandardCharsets.UTF_8));
        assertThat(Bus.awaitDeadLetters("garbage", 1)).isNotEmpty();

        assertThat(MigrationEntity.count("vmName in ?1", List.of("vm-forged", "vm-foreign", "vm-revoked", "vm-viewer",
                "vm-unsigned"))).isZero();
    }

    @Test
    void postureChangesAndExpiringCertificatesArePublishedOnce() {
        Fleet.Host a = Fleet.register("cloud-h");
        Fleet.makeTlsReady(a, true);
        awaitPublic(a.id(), HostPostureChanged.class, 1);
        Fleet.configured(a, a.agent().serial(), true, true, true, CheckStatus.PASS); // nothing new
        Fleet.configured(a, a.agent().serial(), true, false, true, CheckStatus.FAIL);
        HostPostureChanged failing = decode(awaitPublic(a.id(), HostPostureChanged.class, 2).get(1),
                HostPostureChanged.class);
        assertThat(failing.allChecksPass()).isFalse();
        assertThat(failing.saslListening()).isFalse();
        assertThat(failing.failedChecks()).containsExactly("unauthenticated-tcp-refused");

        CertIssued current = a.agent().certIssued("RENEWAL");
        Instant soon = Instant.now().plus(Duration.ofDays(3)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        Bus.publish(TestTrust.pki(), new CertIssued(current.hostId(), current.clusterId(), current.serial(),
                current.subjectDn(), current.libvirtDn(), current.certificatePem(), current.chainPem(),
                current.caBundlePem(), current.notBefore(), soon, current.reason()));
        CertificateExpiring warning = decode(awaitPublic(a.id(), CertificateExpiring.class, 1).get(0),
                CertificateExpiring.class);
        assertThat(warning.certSerial()).isEqualTo(current.serial());
        assertThat(warning.notAfter()).isEqualTo(soon);
        assertThat(warning.threshold()).isEqualTo("P7D");
        Awaitility.await("one warning per certificate").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
                .until(() -> publicOf(a.id(), CertificateExpiring.class).size() == 1);
    }

    // ---- helpers ----

    private static CloudMigrationRequested request(String id, String vm, Fleet.Host a, Fleet.Host b) {
        return new CloudMigrationRequested(id, vm, a.id(), b.id(), null);
    }

    private static CloudRequestAnswered refusedAndDeadLettered(String requestId, String why) {
        assertThat(Bus.reason(Bus.awaitDeadLetters(requestId, 1).get(0))).contains(why);
        CloudRequestAnswered answer = decode(awaitAnswers(requestId, 1).get(0), CloudRequestAnswered.class);
        assertThat(answer.outcome()).isEqualTo(CloudRequestAnswered.Outcome.REFUSED);
        assertThat(answer.refusal().detail()).contains(why);
        return answer;
    }

    private static List<ConsumerRecord<String, byte[]>> answers(String requestId) {
        return publicOf(requestId, CloudRequestAnswered.class);
    }

    private static List<ConsumerRecord<String, byte[]>> awaitAnswers(String requestId, int atLeast) {
        return awaitPublic(requestId, CloudRequestAnswered.class, atLeast);
    }

    private static void awaitStates(String migrationId, String... states) {
        Awaitility.await("states " + List.of(states) + " of " + migrationId).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> publicOf(migrationId, MigrationStateChanged.class)
                        .stream().map(r -> decode(r, MigrationStateChanged.class).state()).toList(),
                        seen -> seen.equals(List.of(states)));
    }

}
