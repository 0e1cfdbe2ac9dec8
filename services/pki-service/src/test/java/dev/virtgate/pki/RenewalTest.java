package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.service.RenewalService;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class RenewalTest {

    @Inject
    RenewalService renewal;

    /**
     * A sweep running while another holds a due certificate mid-transaction (the 1-second timer and
     * a caller, or two instances) skips it instead of asking a second time; the row's next sweep asks once.
     */
    @Test
    void aCertificateAnotherSweepHoldsIsSkippedNotAskedForTwice() throws Exception {
        var host = IssuanceRestTest.newHost("race");
        String serial = IssuanceRestTest.post(host).statusCode(201).extract().path("serial");
        PkiState.run(() -> {
            IssuedCertificate c = IssuedCertificate.findById(serial);
            c.renewAfter = Instant.now().minusSeconds(1);
        });
        CountDownLatch locked = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> other = CompletableFuture.runAsync(() -> QuarkusTransaction.requiringNew().run(() -> {
            IssuedCertificate.findById(serial, LockModeType.PESSIMISTIC_WRITE); // another sweep, mid-transaction
            locked.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(locked.await(30, TimeUnit.SECONDS)).isTrue();
        try {
            // (the 2-second timer may have asked before the row was held: then there is nothing left to ask)
            int before = PkiState.outbox(CertRenewalRequested.class, host.id()).size();
            assertTimeoutPreemptively(Duration.ofSeconds(20), () -> renewal.requestDue(), "the sweep waited for the held row");
            assertThat(PkiState.outbox(CertRenewalRequested.class, host.id())).as("held by the other sweep")
                    .hasSize(before);
        } finally {
            release.countDown();
            other.join();
        }
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> {
            renewal.requestDue(); // the timer may have asked already: either way, once
            return PkiState.outbox(CertRenewalRequested.class, host.id()).size() == 1;
        });
        assertThat(PkiState.outbox(CertRenewalRequested.class, host.id())).hasSize(1);
    }

    @Test
    void pastTwoThirdsOfLifeARenewalIsRequestedAndAPossessionSignedCsrRenewsWithOverlap() throws Exception {
        var host = IssuanceRestTest.newHost("renew");
        var issued = IssuanceRestTest.post(host).statusCode(201).extract().jsonPath();
        String serial = issued.getString("serial");
        String certPem = issued.getString("certificatePem");
        assertThat(renewal.requestDue()).as("young certificates are left alone").isZero();
        assertThat(PkiState.outbox(CertRenewalRequested.class, host.id())).isEmpty();

        // 21 of 30 days gone
        PkiState.run(() -> {
            IssuedCertificate c = IssuedCertificate.findById(serial);
            c.renewAfter = Instant.now().minusSeconds(1);
        });
        renewal.requestDue();
        List<CertRenewalRequested> requests = PkiState.outbox(CertRenewalRequested.class, host.id());
        assertThat(requests).hasSize(1);
        assertThat(requests.get(0).serial()).isEqualTo(serial);
        assertThat(requests.get(0).reason()).isEqualTo("LIFETIME");
        renewal.requestDue();
        assertThat(PkiState.outbox(CertRenewalRequested.class, host.id())).as("asked once").hasSize(1);

        var newKey = TestKeys.p256();
        String csr = TestCsr.pem(newKey, host.registration().fqdn(), List.of(host.registration().fqdn()), List.of());
        // a possession signature by the wrong key is refused
        TestBus.asHost(host.id(), new CsrSubmitted(host.id(), "cluster-a", csr, serial,
                Fixtures.possession(TestKeys.p256().getPrivate(), csr)), host.key(), certPem);
        TestBus.asHost(host.id(), new CsrSubmitted(host.id(), "cluster-a", csr, serial,
                Fixtures.possession(host.key().getPrivate(), csr)), host.key(), certPem);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> PkiState.outbox(CertIssued.class, host.id()).size() == 2);
        CertIssued renewed = PkiState.outbox(CertIssued.class, host.id()).get(1);
        assertThat(renewed.reason()).isEqualTo("RENEWAL");
        assertThat(renewed.serial()).isNotEqualTo(serial);
        assertThat(PkiState.certificate(serial).supersededBy).isEqualTo(renewed.serial());

        // overlap: both certificates verify now, the old one was not revoked
        String bundle = String.join("", renewed.caBundlePem());
        String oldPem = PkiState.certificate(serial).certificatePem;
        assertThat(Certs.opensslVerify(bundle, oldPem, null).ok()).isTrue();
        assertThat(Certs.opensslVerify(bundle, renewed.certificatePem(), null).ok()).isTrue();
        assertThat(PkiState.certificate(serial).revokedAt).isNull();
        assertThat(renewed.notAfter()).isAfterOrEqualTo(PkiState.certificate(serial).notAfter);

        // a replayed renewal of the superseded certificate issues nothing
        TestBus.asHost(host.id(), new CsrSubmitted(host.id(), "cluster-a", csr, serial,
                Fixtures.possession(host.key().getPrivate(), csr)), host.key(), certPem);
        Awaitility.await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> PkiState.outbox(CertIssued.class, host.id()).size() == 2);
    }
}
