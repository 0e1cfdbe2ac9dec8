package dev.virtgate.pki;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.pki.support.TrustInOpenBao;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Changes the CA for everyone: runs after the other classes. */
@Order(Integer.MAX_VALUE - 1)
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class CaRotationTest {

    record Enrolled(IssuanceRestTest.Host host, String serial, String pem) {
    }

    static String bundle() {
        return given().get("/v1/ca/bundle").then().statusCode(200).extract().asString();
    }

    static void assertAllVerify(List<String> leaves) throws Exception {
        String bundle = bundle();
        for (String leaf : leaves) {
            Certs.Result result = Certs.opensslVerify(bundle, leaf, null);
            assertThat(result.ok()).as(result.output()).isTrue();
            Certs.pkixValidate(bundle, leaf);
        }
    }

    @Test
    void rotationKeepsEveryHostVerifiableThroughoutAndThenDropsTheOldCa() throws Exception {
        List<Enrolled> hosts = new ArrayList<>();
        for (int i = 0; i < 2; i++) {
            var host = IssuanceRestTest.newHost("rot");
            var body = IssuanceRestTest.post(host).statusCode(201).extract().jsonPath();
            hosts.add(new Enrolled(host, body.getString("serial"), body.getString("certificatePem")));
        }
        String oldCa = given().get("/v1/ca").then().extract().asString();
        List<String> inUse = new ArrayList<>(hosts.stream().map(Enrolled::pem).toList());
        assertAllVerify(inUse);

        String newCaSerial = given().auth().oauth2(TestTokens.operator("alice")).post("/v1/ca/rotate").then()
                .statusCode(201).extract().path("serial");
        String newCa = given().get("/v1/ca").then().extract().asString();
        assertThat(newCa).isNotEqualTo(oldCa);
        assertThat(Pem.certificate(newCa).getSerialNumber().toString(16)).isEqualTo(newCaSerial);
        assertThat(OpenBaoServer.shared().call("GET", "transit/keys/virtgate-ca", null).body())
                .contains("\"latest_version\":2");
        // overlap: the bundle carries both CAs and the old leaves still verify
        assertThat(Certs.parseAll(bundle())).hasSize(2);
        assertAllVerify(inUse);
        // the published trust follows: the new CA first, the old one still trusted, the signers re-certified
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> TrustPublicationTest.bundle().get(0).equals(Pem.x509(newCa)));
        assertThat(TrustPublicationTest.bundle()).containsExactly(Pem.x509(newCa), Pem.x509(oldCa));
        for (String service : EventAuthorization.SIGNING_SERVICES) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Pem.x509(TrustInOpenBao.signer(service)
                    .get(TrustStorePaths.CHAIN_PEM)).getIssuerX500Principal().equals(
                            Pem.x509(newCa).getSubjectX500Principal()));
        }

        for (Enrolled e : hosts) {
            List<CertRenewalRequested> asks = PkiState.outbox(CertRenewalRequested.class, e.host().id());
            assertThat(asks).extracting(CertRenewalRequested::reason).contains("CA_ROTATION");
            var key = TestKeys.p256();
            String csr = TestCsr.pem(key, e.host().registration().fqdn(), List.of(), List.of());
            TestBus.asHost(e.host().id(), new CsrSubmitted(e.host().id(), "cluster-a", csr, e.serial(),
                    Fixtures.possession(e.host().key().getPrivate(), csr)), e.host().key(), e.pem());
        }
        for (Enrolled e : hosts) {
            Awaitility.await().atMost(Duration.ofSeconds(30)).until(() ->
                    PkiState.outbox(CertIssued.class, e.host().id()).stream().anyMatch(c -> "CA_ROTATION".equals(c.reason())));
            CertIssued reissued = PkiState.outbox(CertIssued.class, e.host().id()).stream()
                    .filter(c -> "CA_ROTATION".equals(c.reason())).findFirst().orElseThrow();
            assertThat(Pem.certificate(reissued.certificatePem()).getIssuer())
                    .isEqualTo(Pem.certificate(newCa).getSubject());
            assertThat(reissued.caBundlePem()).hasSize(2);
            inUse.add(reissued.certificatePem());
            assertAllVerify(inUse); // old and new leaves verify while both CAs are trusted
        }

        // hosts enrolled by other test classes never answer: an operator revokes them (they would be decommissioned)
        List<String> ours = hosts.stream().map(e -> e.host().id()).toList();
        List<java.util.Map<String, Object>> all = given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/certificates")
                .then().statusCode(200).extract().jsonPath().getList("$");
        for (var cert : all) {
            // (signer certificates are not among them: pki-service re-issued those under the new CA itself)
            if ("VALID".equals(cert.get("status")) && !ours.contains(cert.get("hostId"))
                    && !String.valueOf(cert.get("hostId")).startsWith("service:")) {
                given().auth().oauth2(TestTokens.operator("alice")).contentType(io.restassured.http.ContentType.JSON)
                        .body(java.util.Map.of("reason", "cessationOfOperation"))
                        .post("/v1/certificates/" + cert.get("serial") + "/revoke").then().statusCode(200);
            }
        }
        // every leaf under the old CA is replaced: the old CA leaves the bundle
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> Certs.parseAll(bundle()).size() == 1);
        assertThat(bundle()).isEqualTo(newCa);
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> TrustPublicationTest.bundle().equals(List.of(Pem.x509(newCa))));
        List<String> current = inUse.subList(hosts.size(), inUse.size());
        assertAllVerify(current);
        // a new host enrolls under the new CA only
        var late = IssuanceRestTest.newHost("rot-late");
        String latePem = IssuanceRestTest.post(late).statusCode(201).extract()
                .path("certificatePem");
        assertThat(Certs.opensslVerify(newCa, latePem, null).ok()).isTrue();
        assertThat(Certs.opensslVerify(oldCa, latePem, null).ok()).isFalse();
    }
}
