package dev.virtgate.migration;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * An attacker with write access to the broker (and, where said, one hypervisor's key) forges what
 * migration-service believes. Each forgery must land on virtgate.dlq.migration-service with a reason
 * naming producer and type, and change nothing; the dead-letter record is awaited, then the state
 * is asserted, so no test waits out a timeout.
 */
@QuarkusTest
class BusAttackTest {
    static final TestCa FOREIGN = new TestCa("attacker-ca");

    @Test
    void forgedCertificateAndPostureDoNotMakeANeverEnrolledHostTlsReady() {
        Fleet.Host a = Fleet.register("forge-c");
        Fleet.Host b = Fleet.register("forge-c");

        // a: no key at all
        Bus.publishUnsigned(forgedCert(a));
        Bus.publishUnsigned(Fleet.report(a, a.agent().serial(), true, true, true, CheckStatus.PASS, Instant.now()));
        // b: keys whose certificates name pki-service and host b, from the attacker's own CA
        Bus.publish(TestProducer.issuedBy(FOREIGN, Producer.service("pki-service")), forgedCert(b));
        Bus.publish(TestProducer.issuedBy(FOREIGN, Producer.host(b.id())),
                Fleet.report(b, b.agent().serial(), true, true, true, CheckStatus.PASS, Instant.now()));

        List<String> reasonsA = reasons(Bus.awaitDeadLetters(a.id(), 2));
        assertThat(reasonsA).anyMatch(r -> r.contains("virtgate.pki.cert-issued.v1") && r.contains("unsigned event"));
        assertThat(reasonsA).anyMatch(r -> r.contains("virtgate.host.configured.v1") && r.contains("unsigned event"));
        List<String> reasonsB = reasons(Bus.awaitDeadLetters(b.id(), 2));
        assertThat(reasonsB).anyMatch(r -> r.contains("virtgate.pki.cert-issued.v1")
                && r.contains("not from a trusted CA"));
        assertThat(reasonsB).anyMatch(r -> r.contains("virtgate.host.configured.v1")
                && r.contains("not from a trusted CA"));

        for (Fleet.Host h : List.of(a, b)) {
            Fleet.viewer().get("/v1/hosts/" + h.id()).then().statusCode(200).body("tlsReady", is(false))
                    .body("status", is("REGISTERED")).body("certificate", nullValue()).body("posture", nullValue());
        }
        Fleet.viewer().body(Fleet.migration("vm-forged", a, b)).post("/v1/migrations/plan").then().statusCode(200)
                .body("allowed", is(false))
                .body("reasons", hasItem("source has no certificate from this CA (not enrolled yet)"));
    }

    @Test
    void aHostKeyAloneDoesNotMakeAHostTlsReadyWithoutTheCertificatePkiIssued() {
        Fleet.Host c = Fleet.register("forge-c");
        // genuinely signed by c's key: its posture counts, the serial it names does not (no CertIssued from pki)
        Fleet.configured(c, c.agent().serial(), true, true, true, CheckStatus.PASS);
        Awaitility.await("c's posture").atMost(Duration.ofSeconds(30)).until(() ->
                Fleet.viewer().get("/v1/hosts/" + c.id()).then().extract().path("posture") != null);
        Fleet.viewer().get("/v1/hosts/" + c.id()).then().body("tlsReady", is(false))
                .body("tlsProblems", hasItem("host has no certificate from this CA (not enrolled yet)"));
    }

    @Test
    void forgedMigrationCompletedLeavesStateAndVmLockUnchanged() {
        Fleet.Host source = Fleet.register("forge-m");
        Fleet.Host destination = Fleet.register("forge-m");
        Fleet.Host other = Fleet.register("forge-m");
        Fleet.makeTlsReady(source, true);
        Fleet.makeTlsReady(destination, true);
        Fleet.makeTlsReady(other, true);
        String vm = Fleet.unique("vm-forged");
        String id = Fleet.operator().body(Fleet.migration(vm, source, destination)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");

        Bus.publishUnsigned(completed(id, vm, source, destination));
        // the destination's genuine key: claiming the source, or claiming to be the source itself
        Bus.publish(destination.agent().producer(), completed(id, vm, source, destination));
        Bus.publish(destination.agent().producer(), completed(id, vm, destination, source));
        // another host of the cluster, naming itself as source
        Bus.publish(other.agent().producer(), completed(id, vm, other, destination));

        List<String> reasons = reasons(Bus.awaitDeadLetters(id, 4));
        assertThat(reasons).allMatch(r -> r.contains("virtgate.migration.completed.v1"));
        assertThat(reasons).anyMatch(r -> r.contains("unsigned event"));
        assertThat(reasons).anyMatch(r -> r.contains("from host:" + destination.id())
                && r.contains("may come only from that host"));
        assertThat(reasons).anyMatch(r -> r.contains("from host:" + destination.id())
                && r.contains("runs from host " + source.id()));
        assertThat(reasons).anyMatch(r -> r.contains("from host:" + other.id())
                && r.contains("runs from host " + source.id()));

        Fleet.viewer().get("/v1/migrations/" + id).then().body("state", is("REQUESTED"));
        assertThat(QuarkusTransaction.requiringNew().call(() -> MigrationEntity.<MigrationEntity>findById(id).activeVm))
                .as("the VM lock").isEqualTo(vm);
        Fleet.operator().body(Fleet.migration(vm, destination, source)).post("/v1/migrations").then().statusCode(409)
                .body("invalidParams.name", hasItem("vmName"));

        Bus.publish(source.agent().producer(), completed(id, vm, source, destination));
        MigrationApiTest.awaitState(id, "COMPLETED");
        assertThat(QuarkusTransaction.requiringNew().call(() -> MigrationEntity.<MigrationEntity>findById(id).activeVm))
                .isNull();
    }

    @Test
    void postureFromTheFutureIsRefusedAndTheNextGenuineReportApplies() {
        Fleet.Host h = Fleet.register("forge-t");
        Fleet.makeTlsReady(h, true);
        Instant future = Instant.parse("2099-01-01T00:00:00Z");
        // signed by the host's own key: a compromised hypervisor, or a clock gone wrong
        Bus.publish(h.agent().producer().sign(
                Fleet.report(h, h.agent().serial(), true, true, true, CheckStatus.PASS, future), future));
        Bus.publish(h.agent().producer(),
                Fleet.report(h, h.agent().serial(), true, true, true, CheckStatus.PASS, future));

        List<String> reasons = reasons(Bus.awaitDeadLetters(h.id(), 2));
        assertThat(reasons).anyMatch(r -> r.contains("virtgate.host.configured.v1")
                && r.contains("ce_time is more than 5 min in the future"));
        assertThat(reasons).anyMatch(r -> r.contains("from host:" + h.id())
                && r.contains("probedAt 2099-01-01T00:00:00Z is more than 5 min in the future"));

        Fleet.configured(h, h.agent().serial(), true, true, true, CheckStatus.FAIL);
        Fleet.awaitTlsReady(h, false);
        String probedAt = Fleet.viewer().get("/v1/hosts/" + h.id()).then().body("posture.allPass", is(false))
                .extract().path("posture.probedAt");
        assertThat(Instant.parse(probedAt)).isBefore(Instant.now().plusSeconds(1));
        Fleet.configured(h, h.agent().serial(), true, true, true, CheckStatus.PASS);
        Fleet.awaitTlsReady(h, true);
    }

    private static CertIssued forgedCert(Fleet.Host h) {
        return h.agent().certIssued("ENROLLMENT");
    }

    private static MigrationCompleted completed(String id, String vm, Fleet.Host source, Fleet.Host destination) {
        return new MigrationCompleted(id, vm, source.id(), destination.id(), MigrationMode.TLS_NATIVE, 3000, 1200L,
                290L, 131_000_000L, 200_000_000L);
    }

    private static List<String> reasons(List<ConsumerRecord<String, byte[]>> deadLetters) {
        return deadLetters.stream().map(Bus::reason).toList();
    }
}
