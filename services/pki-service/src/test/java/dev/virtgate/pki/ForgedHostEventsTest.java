package dev.virtgate.pki;

import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.virtgate.pki.ForgedEnrollmentTest.assertParked;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The bus attacker, and a compromised hypervisor, against enrolled hosts: a forged decommission
 * revokes nothing, and one host cannot renew another's certificate.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class ForgedHostEventsTest {

    record Enrolled(IssuanceRestTest.Host host, String serial, String certificatePem) {
    }

    static Enrolled enrolled(String prefix) {
        var host = IssuanceRestTest.newHost(prefix);
        var body = IssuanceRestTest.post(host).statusCode(201).extract().jsonPath();
        return new Enrolled(host, body.getString("serial"), body.getString("certificatePem"));
    }

    static void assertStillValid(Enrolled e) {
        assertThat(PkiState.certificate(e.serial()).revokedAt).isNull();
        assertThat(PkiState.outbox(CertRevoked.class, e.host().id())).isEmpty();
        assertThat(PkiState.host(e.host().id()).decommissionedAt).isNull();
    }

    @Test
    void anUnsignedDecommissionIsParkedAndRevokesNothing() {
        Enrolled victim = enrolled("decom-unsigned");
        EventEnvelope forged = TestBus.publishUnsigned("/virtgate/migration-service",
                new HostDecommissioned(victim.host().id(), "cluster-a", "retired", "mallory"));
        assertParked(forged.id(), "virtgate.host.decommissioned.v1", victim.host().id(), "unsigned event");
        assertStillValid(victim);
    }

    @Test
    void aDecommissionSignedByAHostIsParkedAndRevokesNothing() {
        // root on the hypervisor: its own host key and certificate, genuine, but not migration-service's
        Enrolled victim = enrolled("decom-by-host");
        String forged = TestBus.asHost(victim.host().id(),
                new HostDecommissioned(victim.host().id(), "cluster-a", "retired", "mallory"),
                victim.host().key(), victim.certificatePem()).envelope().id();
        assertParked(forged, "virtgate.host.decommissioned.v1", "host:" + victim.host().id(),
                "may come only from migration-service");
        assertStillValid(victim);
    }

    @Test
    void aCsrForHostASignedByHostBsCertificateIsParkedAndRenewsNothing() {
        Enrolled a = enrolled("renew-victim");
        Enrolled b = enrolled("renew-attacker");
        String fqdn = a.host().registration().fqdn();
        String csr = TestCsr.pem(TestKeys.p256(), fqdn, List.of(fqdn), List.of());
        String forged = TestBus.asHost(b.host().id(), new CsrSubmitted(a.host().id(), "cluster-a", csr, a.serial(),
                Fixtures.possession(b.host().key().getPrivate(), csr)), b.host().key(), b.certificatePem())
                .envelope().id();
        assertParked(forged, "virtgate.pki.csr-submitted.v1", "host:" + b.host().id(),
                "about host " + a.host().id() + " may come only from that host");
        assertThat(PkiState.certificate(a.serial()).supersededBy).isNull();
        assertThat(PkiState.outbox(CertIssued.class, a.host().id())).hasSize(1);
        assertThat(PkiState.certificateCount(a.host().id())).isEqualTo(1);
    }
}
