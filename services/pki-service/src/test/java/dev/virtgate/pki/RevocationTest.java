package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TrustInOpenBao;
import io.restassured.http.ContentType;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class RevocationTest {

    @Test
    void revocationEmitsCertRevokedAndASignedCrlListingTheSerial() throws Exception {
        var host = IssuanceRestTest.newHost("revoke");
        String certPem = IssuanceRestTest.post(host).statusCode(201)
                .extract().path("certificatePem");
        String serial = Pem.certificate(certPem).getSerialNumber().toString(16);
        String caPem = given().get("/v1/ca").then().extract().asString();
        X509CRLHolder before = Pem.crl(given().get("/v1/crl").then().statusCode(200).extract().asString());

        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "keyCompromise")).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(200).body("status", is("REVOKED"));

        String crlPem = given().get("/v1/crl").then().statusCode(200).contentType("application/x-pem-file")
                .extract().asString();
        X509CRLHolder crl = Pem.crl(crlPem);
        assertThat(crl.getRevokedCertificate(new BigInteger(serial, 16))).isNotNull();
        assertThat(crl.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(Pem.certificate(caPem)))).isTrue();
        assertThat(crl.getThisUpdate()).isAfterOrEqualTo(before.getThisUpdate());
        Certs.Result crlVerify = Certs.openssl("crl", "-noout", "-in", Certs.file(crlPem).toString(), "-CAfile",
                Certs.file(caPem).toString(), "-verify");
        assertThat(crlVerify.ok()).as(crlVerify.output()).isTrue();
        assertThat(crlVerify.output()).contains("verify OK");
        byte[] der = given().accept("application/pkix-crl").get("/v1/crl").then().statusCode(200)
                .contentType("application/pkix-crl").extract().asByteArray();
        assertThat(new X509CRLHolder(der).getRevokedCertificate(new BigInteger(serial, 16))).isNotNull();

        Certs.Result verify = Certs.opensslVerify(caPem, certPem, crlPem);
        assertThat(verify.ok()).isFalse();
        assertThat(verify.output()).contains("revoked");

        // the re-signed CRL is published for the services that verify events
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() -> crlPem.equals(
                TrustInOpenBao.ca().get(dev.virtgate.contracts.trust.TrustStorePaths.CRL_PEM)));

        var events = PkiState.outbox(CertRevoked.class, host.id());
        assertThat(events).hasSize(1);
        assertThat(events.get(0).serial()).isEqualTo(serial);
        assertThat(events.get(0).crlPem()).isEqualTo(crlPem);

        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "again")).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(409).contentType("application/problem+json");
        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "x")).post("/v1/certificates/123abc/revoke")
                .then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of()).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(400).contentType("application/problem+json");
        assertThat(PkiState.outbox(CertRevoked.class, host.id())).hasSize(1);
    }

    @Test
    void crlIsResignedBeforeItsNextUpdate() {
        X509CRLHolder first = Pem.crl(given().get("/v1/crl").then().extract().asString());
        // the test profile's margin makes nothing due; force the CRL to be nearly stale
        PkiState.run(() -> dev.virtgate.pki.repository.CrlRecord.update("nextUpdate = ?1",
                java.time.Instant.now().plusSeconds(60)));
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() ->
                crlNumber(Pem.crl(given().get("/v1/crl").then().extract().asString())).compareTo(crlNumber(first)) > 0);
        X509CRLHolder second = Pem.crl(given().get("/v1/crl").then().extract().asString());
        assertThat(crlNumber(second)).isGreaterThan(crlNumber(first));
        assertThat(second.getNextUpdate().toInstant()).isAfter(java.time.Instant.now().plusSeconds(3600));
    }

    static BigInteger crlNumber(X509CRLHolder crl) {
        return org.bouncycastle.asn1.x509.CRLNumber.getInstance(
                crl.getExtension(org.bouncycastle.asn1.x509.Extension.cRLNumber).getParsedValue()).getCRLNumber();
    }
}
