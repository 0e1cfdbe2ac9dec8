package dev.virtgate.pki;

import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TrustInOpenBao;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import dev.virtgate.testsupport.trust.TestLeaf;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import javax.security.auth.x500.X500Principal;
import java.security.KeyPair;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;

/**
 * Intermediate mode with a P-384 Transit key: the service exports a CSR, an operator signs it with
 * an offline root (made here with BouncyCastle) and imports it; bad imports change nothing; then
 * leaves chain up to the offline root.
 */
@QuarkusTest
@TestProfile(IntermediateCaTest.Intermediate.class)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class IntermediateCaTest {
    // A constant: the profile is instantiated in another class loader than the test.
    static final String KEY = "virtgate-ca-intermediate";
    // as the JDK prints it: the CN is the first RDN in DER
    static final X500Principal OFFLINE_ROOT_NAME = new X500Principal("O=Example Corp,CN=Example Corp offline root");
    static final TestCa OFFLINE_ROOT = new TestCa(OFFLINE_ROOT_NAME, TestKeys.ec("secp384r1"));

    public static class Intermediate implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("virtgate.pki.mode", "intermediate", "virtgate.pki.key-name", KEY,
                    "virtgate.pki.key-type", "ecdsa-p384",
                    "virtgate.pki.ca-subject", "CN=virtgate issuing CA,O=virtgate");
        }
    }

    static String operator() {
        return TestTokens.operator("alice");
    }

    static PKCS10CertificationRequest pendingCsr() {
        String pem = given().auth().oauth2(operator()).get("/v1/ca/csr").then().statusCode(200).extract().asString();
        return Pem.csr(pem);
    }

    /** {@code issuer}'s certificate for the CSR's subject and key: a subordinate CA or, if not {@code ca}, a leaf. */
    static X509Certificate sign(PKCS10CertificationRequest csr, TestCa issuer, boolean ca) throws Exception {
        TestLeaf certificate = issuer.leaf(new JcaPKCS10CertificationRequest(csr).getPublicKey())
                .subject(csr.getSubject()).validity(Duration.ofDays(365));
        return (ca ? certificate.subordinateCa(0) : certificate).issue();
    }

    static io.restassured.response.ValidatableResponse importCa(String certificatePem, List<String> chainPem) {
        return given().auth().oauth2(operator()).contentType(ContentType.JSON)
                .body(chainPem == null ? Map.of("certificatePem", certificatePem)
                        : Map.of("certificatePem", certificatePem, "chainPem", chainPem))
                .post("/v1/ca/certificate").then();
    }

    @Test
    @Order(1)
    void beforeImportTheServiceOffersACsrForTheTransitKeyAndIssuesNothing() throws Exception {
        given().get("/v1/ca").then().statusCode(404).contentType("application/problem+json");
        given().get("/q/health/ready").then().statusCode(503);
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/ca/csr").then().statusCode(403);

        PKCS10CertificationRequest csr = pendingCsr();
        assertThat(csr.getSubject().toString()).contains("virtgate issuing CA");
        assertThat(csr.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(csr.getSubjectPublicKeyInfo())))
                .isTrue();
        String transitKey = OpenBaoServer.shared().call("GET", "transit/keys/" + KEY, null).body();
        assertThat(transitKey).contains("\"type\":\"ecdsa-p384\"").contains("\"exportable\":false");
        assertThat(OFFLINE_ROOT.certificate().getPublicKey()).isNotNull();
        String transitPublic = new com.fasterxml.jackson.databind.ObjectMapper().readTree(transitKey)
                .path("data").path("keys").path("1").path("public_key").asText();
        assertThat(Pem.publicKey(transitPublic).getEncoded()).isEqualTo(csr.getSubjectPublicKeyInfo().getEncoded());
    }

    @Test
    @Order(2)
    void badImportsAreRefusedAndTheCsrStaysPending() throws Exception {
        PKCS10CertificationRequest csr = pendingCsr();
        String root = OFFLINE_ROOT.pem();
        // someone else's key
        KeyPair other = TestKeys.ec("secp384r1");
        PKCS10CertificationRequest foreign = TestCsr.forKey(other).commonName("intruder CA").request();
        importCa(Pem.write(sign(foreign, OFFLINE_ROOT, true)), List.of(root)).statusCode(422)
                .contentType("application/problem+json").body("detail", containsString("not the Transit CA key"));
        // not a CA
        importCa(Pem.write(sign(csr, OFFLINE_ROOT, false)), List.of(root)).statusCode(422)
                .body("detail", containsString("not a CA certificate"));
        // no issuer given
        importCa(Pem.write(sign(csr, OFFLINE_ROOT, true)), null).statusCode(400);
        // a chain that did not sign it
        TestCa impostor = new TestCa(OFFLINE_ROOT_NAME, TestKeys.ec("secp384r1"));
        importCa(Pem.write(sign(csr, impostor, true)), List.of(root)).statusCode(422)
                .body("detail", containsString("not signed by the first chain entry"));
        importCa("not a certificate", List.of(root)).statusCode(400);

        given().get("/v1/ca").then().statusCode(404);
        assertThat(pendingCsr().getEncoded()).isEqualTo(csr.getEncoded());
    }

    @Test
    @Order(3)
    void importedIntermediateIssuesLeavesThatChainToTheOfflineRoot() throws Exception {
        X509Certificate intermediate = sign(pendingCsr(), OFFLINE_ROOT, true);
        String rootPem = OFFLINE_ROOT.pem();
        importCa(Pem.write(intermediate), List.of(rootPem)).statusCode(200);
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));

        String served = given().get("/v1/ca").then().statusCode(200).extract().asString();
        assertThat(Certs.parseAll(served)).extracting(c -> c.getSubjectX500Principal().getName())
                .containsExactly("O=virtgate,CN=virtgate issuing CA", "O=Example Corp,CN=Example Corp offline root");
        given().auth().oauth2(operator()).get("/v1/ca/csr").then().statusCode(404);
        // the published trust: the intermediate first, then the offline root; signer chains run up to the root
        await().atMost(Duration.ofSeconds(30)).until(() -> Certs.parseAll(TrustInOpenBao.ca()
                .getOrDefault(TrustStorePaths.BUNDLE_PEM, "")).equals(Certs.parseAll(served)));
        for (String service : EventAuthorization.SIGNING_SERVICES) {
            await().atMost(Duration.ofSeconds(30)).until(() -> Certs.parseAll(TrustInOpenBao.signer(service)
                    .getOrDefault(TrustStorePaths.CHAIN_PEM, "")).size() == 3);
            List<java.security.cert.X509Certificate> chain = Certs.parseAll(TrustInOpenBao.signer(service)
                    .get(TrustStorePaths.CHAIN_PEM));
            PKIXParameters anchored = new PKIXParameters(Set.of(new TrustAnchor(OFFLINE_ROOT.certificate(), null)));
            anchored.setRevocationEnabled(false);
            CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                    .generateCertPath(chain.subList(0, 2)), anchored);
        }

        String token = Fixtures.token();
        HostRegistered host = Fixtures.registered(Fixtures.hostId("inter"), token);
        PkiState.register(host);
        String csr = TestCsr.pem(TestKeys.p256(), host.fqdn(), List.of(host.fqdn()), List.of());
        var issued = given().auth().oauth2(operator()).contentType(ContentType.JSON)
                .body(Map.of("hostId", host.hostId(), "csrPem", csr, "enrollmentProof", Fixtures.proof(host, token, csr)))
                .post("/v1/certificates").then().statusCode(201).extract().jsonPath();
        String leaf = issued.getString("certificatePem");
        assertThat(issued.getList("chainPem", String.class)).hasSize(2);

        // openssl: only the offline root is trusted, the intermediate comes as untrusted chain material
        Certs.Result openssl = Certs.openssl("verify", "-purpose", "sslserver", "-CAfile", Certs.file(rootPem).toString(),
                "-untrusted", Certs.file(Pem.write(intermediate)).toString(), Certs.file(leaf).toString());
        assertThat(openssl.ok()).as(openssl.output()).isTrue();
        // Java's PKIX validator, same trust
        PKIXParameters params = new PKIXParameters(Set.of(new TrustAnchor(OFFLINE_ROOT.certificate(), null)));
        params.setRevocationEnabled(false);
        CertPathValidator.getInstance("PKIX").validate(CertificateFactory.getInstance("X.509")
                .generateCertPath(List.of(Pem.x509(leaf), intermediate)), params);
        // and the CA in intermediate mode is rotated by importing a new one, not by minting a root
        given().auth().oauth2(operator()).post("/v1/ca/rotate").then().statusCode(409);
    }
}
