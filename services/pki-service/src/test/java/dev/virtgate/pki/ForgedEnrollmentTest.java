package dev.virtgate.pki;

import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestKeys;
import dev.virtgate.testsupport.trust.TestProducer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.util.Arrays;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bus attacker against enrollment: whoever can write to Kafka gets no certificate for a host no
 * operator registered, and a registered host's certificate only with its token, and only once.
 * Each refusal is read from pki-service's dead-letter topic, with the reason it was parked for.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class ForgedEnrollmentTest {

    static void assertParked(String ceId, String... reasonParts) {
        String reason = TestBus.deadLetterReason(TestBus.awaitDeadLetter(ceId));
        assertThat(reason).isNotNull();
        for (String part : reasonParts) {
            assertThat(reason).contains(part);
        }
    }

    static void assertNothingFor(String hostId) {
        assertThat(PkiState.host(hostId)).as("registry unchanged").isNull();
        assertThat(PkiState.certificateCount(hostId)).isZero();
        assertThat(PkiState.outbox(CertIssued.class, hostId)).isEmpty();
    }

    @Test
    void unsignedRegistrationAndEnrollmentOfAnUnknownHostAreParkedAndIssueNothing() {
        String token = Fixtures.token();
        HostRegistered forged = Fixtures.registered(Fixtures.hostId("forged"), token);
        KeyPair key = TestKeys.p256();
        EventEnvelope registration = TestBus.publishUnsigned("/virtgate/migration-service", forged);
        EventEnvelope enrollment = TestBus.publishUnsigned("/virtgate/host-agent/" + forged.hostId(),
                EnrollmentEventTest.enrolled(forged, key, token));

        assertParked(registration.id(), "virtgate.host.registered.v1", forged.hostId(), "unsigned event");
        assertParked(enrollment.id(), "virtgate.host.enrolled.v1", forged.hostId(), "unsigned event");
        assertNothingFor(forged.hostId());
    }

    @Test
    void registrationSignedByAForeignCasMigrationServiceIsParkedAndTheEnrollmentFindsNoHost() {
        TestProducer impostor = TestProducer.issuedBy(new TestCa("attacker CA"), Producer.service("migration-service"));
        String token = Fixtures.token();
        HostRegistered forged = Fixtures.registered(Fixtures.hostId("foreign"), token);
        String registration = TestBus.send(impostor.sign(forged)).envelope().id();
        // the enrollment itself is well formed: signed by its CSR key, proof made with the attacker's token
        String enrollment = EnrollmentEventTest.enroll(forged, TestKeys.p256(), token).envelope().id();

        // the claimed producer (its ce_source) is named; the unproven certificate is not believed
        assertParked(registration, "virtgate.host.registered.v1", "/virtgate/migration-service",
                "not from a trusted CA");
        assertParked(enrollment, "virtgate.host.enrolled.v1", "enrolling-host:" + forged.hostId(), "not registered");
        assertNothingFor(forged.hostId());
    }

    @Test
    void aGenuineRegistrationEnrollsOnlyWithTheRightTokenAndOnlyTheFirstKeyThatProvesIt() throws Exception {
        String token = Fixtures.token();
        HostRegistered host = Fixtures.registered(Fixtures.hostId("genuine"), token);
        TestBus.asMigrationService(host); // migration-service's real Transit key, certified by pki-service
        KeyPair key = TestKeys.p256();

        String wrongToken = EnrollmentEventTest.enroll(host, key, Fixtures.token()).envelope().id();
        assertParked(wrongToken, "enrolling-host:" + host.hostId(), "enrollment proof is not valid");
        assertThat(PkiState.certificateCount(host.hostId())).isZero();
        assertThat(PkiState.host(host.hostId()).tokenUsedAt).as("a failed proof binds nothing").isNull();

        EnrollmentEventTest.enroll(host, key, token);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, host.hostId()).size() == 1);
        CertIssued issued = PkiState.outbox(CertIssued.class, host.hostId()).get(0);
        assertThat(Pem.certificate(issued.certificatePem()).getSubjectPublicKeyInfo().getEncoded())
                .isEqualTo(key.getPublic().getEncoded());
        GeneralName[] sans = GeneralNames.fromExtensions(Pem.certificate(issued.certificatePem()).getExtensions(),
                Extension.subjectAlternativeName).getNames();
        assertThat(Arrays.stream(sans).map(GeneralName::toString)).contains("6: urn:virtgate:host:" + host.hostId(),
                "2: " + host.fqdn());

        KeyPair second = TestKeys.p256();
        String secondKey = EnrollmentEventTest.enroll(host, second, token).envelope().id();
        assertParked(secondKey, "enrolling-host:" + host.hostId(), "already bound to another key");
        assertThat(PkiState.certificateCount(host.hostId())).isEqualTo(1);
        assertThat(PkiState.outbox(CertIssued.class, host.hostId())).hasSize(1);
    }
}
