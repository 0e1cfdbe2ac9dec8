package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaLock;
import dev.virtgate.pki.service.CaService;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.testsupport.OpenBaoServer;
import io.restassured.http.ContentType;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class CaBootstrapTest {

    @Inject
    CaService ca;

    @Inject
    CaLock caLock;

    @Inject
    EntityManager em;

    @Test
    void rootCaIsSelfSignedThroughTransitAndServedAsPem() throws Exception {
        String pem = given().get("/v1/ca").then().statusCode(200).contentType("application/x-pem-file")
                .extract().asString();
        X509CertificateHolder root = Pem.certificate(pem);
        assertThat(root.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(root))).isTrue();
        assertThat(BasicConstraints.fromExtensions(root.getExtensions()).isCA()).isTrue();
        assertThat(root.getSubject().toString()).isEqualTo("CN=virtgate CA,O=virtgate");
        assertThat(Pem.x509(root).getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
        // the CA certificate's key is the Transit key's public key
        String transitKey = OpenBaoServer.shared().call("GET", "transit/keys/virtgate-ca", null).body();
        assertThat(transitKey).contains("\"type\":\"ecdsa-p256\"").contains("\"exportable\":false");
        // openssl accepts it as a self-signed trust anchor
        assertThat(Certs.openssl("verify", "-CAfile", Certs.file(pem).toString(), Certs.file(pem).toString()).ok()).isTrue();
    }

    @Test
    void caKeyCannotBeExported() {
        var signing = OpenBaoServer.shared().call("GET", "transit/export/signing-key/virtgate-ca", null);
        assertThat(signing.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(signing.body()).contains("not exportable").doesNotContain("PRIVATE KEY");
        var backup = OpenBaoServer.shared().call("GET", "transit/backup/virtgate-ca", null);
        assertThat(backup.statusCode()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void bootstrapIsIdempotent() {
        String before = given().get("/v1/ca").then().statusCode(200).extract().asString();
        ca.bootstrap();
        ca.bootstrap();
        assertThat(given().get("/v1/ca").then().statusCode(200).extract().asString()).isEqualTo(before);
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/ca/certificates").then().statusCode(200)
                .contentType(ContentType.JSON).body("size()", org.hamcrest.Matchers.is(1));
        assertThat(ca.notReadyReason()).isNull();
    }

    /** Another pki-service instance on the same database holds the CA: this one's bootstrap waits in PostgreSQL. */
    @Test
    void bootstrapWaitsWhileAnotherInstanceHoldsTheCa() throws Exception {
        String before = given().get("/v1/ca").then().statusCode(200).extract().asString();
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        CompletableFuture<Void> otherInstance = CompletableFuture.runAsync(() -> QuarkusTransaction.requiringNew().run(() -> {
            caLock.holdUntilCommit();
            held.countDown();
            try {
                release.await(60, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
        CompletableFuture<Void> bootstrap = CompletableFuture.runAsync(ca::bootstrap);
        try {
            Awaitility.await("the bootstrap waiting on the CA's advisory lock").atMost(Duration.ofSeconds(20))
                    .until(() -> waitingOnAdvisoryLocks() == 1);
            assertThat(bootstrap).isNotDone();
        } finally {
            release.countDown();
        }
        otherInstance.get(30, TimeUnit.SECONDS);
        bootstrap.get(30, TimeUnit.SECONDS);
        assertThat(given().get("/v1/ca").then().statusCode(200).extract().asString()).isEqualTo(before);
        assertThat(ca.notReadyReason()).isNull();
    }

    private long waitingOnAdvisoryLocks() {
        return QuarkusTransaction.requiringNew().call(() -> ((Number) em.createNativeQuery(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted").getSingleResult()).longValue());
    }
}
