package dev.virtgate.pki;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.service.RenewalService;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import io.quarkus.arc.Arc;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.ValidatableResponse;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class ClientCertificateTest {

    static String newName(String prefix) {
        return Fixtures.hostId(prefix);
    }

    static Map<String, Object> body(String name, String role, String csr, String validity) {
        Map<String, Object> body = new HashMap<>();
        body.put("name", name);
        body.put("role", role);
        body.put("csrPem", csr);
        if (validity != null) {
            body.put("validity", validity);
        }
        return body;
    }

    static ValidatableResponse post(String token, Map<String, Object> body) {
        var request = given().contentType(ContentType.JSON).body(body);
        if (token != null) {
            request = request.auth().oauth2(token);
        }
        return request.post("/v1/client-certificates").then();
    }

    static ValidatableResponse post(Map<String, Object> body) {
        return post(TestTokens.operator("alice"), body);
    }

    static String csr(KeyPair key, String cn) {
        return TestCsr.pem(key, cn, List.of(), List.of());
    }

    @Test
    void operatorCertificateIsAClientOnlyLeafCarryingTheRoleUriAndCanBeRevoked() throws Exception {
        String name = newName("carol");
        KeyPair key = TestKeys.p256();
        long outbox = PkiState.outboxCount();
        JsonPath json = post(body(name, "operator", csr(key, name), null)).statusCode(201).extract().jsonPath();
        String certPem = json.getString("certificatePem");
        String serial = json.getString("serial");
        String caPem = given().get("/v1/ca").then().statusCode(200).extract().asString();

        X509CertificateHolder cert = Pem.certificate(certPem);
        assertThat(serial).isEqualTo(cert.getSerialNumber().toString(16));
        assertThat(cert.getSerialNumber().bitLength()).isGreaterThan(100).isLessThanOrEqualTo(128);
        assertThat(cert.getSubject().toString()).isEqualTo("O=virtgate,OU=api-clients,CN=" + name);
        assertThat(json.getString("subjectDn")).isEqualTo("CN=" + name + ",OU=api-clients,O=virtgate");
        assertThat(json.getString("hostId")).isEqualTo("client:" + name);
        assertThat(json.getList("caBundlePem", String.class)).contains(caPem);
        assertThat(json.getList("chainPem", String.class)).as("empty under a root CA").isEmpty();
        assertThat(cert.getSubjectPublicKeyInfo().getEncoded()).isEqualTo(key.getPublic().getEncoded());
        assertThat(BasicConstraints.fromExtensions(cert.getExtensions()).isCA()).isFalse();
        KeyUsage ku = KeyUsage.fromExtensions(cert.getExtensions());
        assertThat(ku.hasUsages(KeyUsage.digitalSignature)).isTrue();
        assertThat(ku.hasUsages(KeyUsage.keyEncipherment)).isFalse();
        assertThat(ku.hasUsages(KeyUsage.keyCertSign)).isFalse();
        ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(cert.getExtensions());
        assertThat(eku.getUsages()).containsExactly(KeyPurposeId.id_kp_clientAuth);
        GeneralName[] sans = GeneralNames.fromExtensions(cert.getExtensions(), Extension.subjectAlternativeName)
                .getNames();
        assertThat(sans).hasSize(1);
        assertThat(sans[0].getTagNo()).isEqualTo(GeneralName.uniformResourceIdentifier);
        assertThat(sans[0].getName().toString()).isEqualTo("urn:virtgate:role:operator");
        Duration life = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(life).isBetween(Duration.ofDays(7), Duration.ofDays(7).plusMinutes(6));

        Certs.Result client = verify(caPem, certPem, "sslclient", null);
        assertThat(client.ok()).as(client.output()).isTrue();
        assertThat(verify(caPem, certPem, "sslserver", null).ok()).as("not a server certificate").isFalse();
        String text = Certs.openssl("x509", "-noout", "-text", "-in", Certs.file(certPem).toString()).output();
        assertThat(text).contains("URI:urn:virtgate:role:operator").doesNotContain("DNS:")
                .doesNotContain("IP Address:").doesNotContain("TLS Web Server Authentication");
        assertThat(PkiState.outboxCount()).as("no event for client certificates").isEqualTo(outbox);

        given().auth().oauth2(TestTokens.viewer("bob")).queryParam("hostId", "client:" + name).get("/v1/certificates")
                .then().statusCode(200).body("serial", hasItem(serial)).body("status", hasItem("VALID"));

        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "keyCompromise")).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(200).body("status", is("REVOKED"));
        String crlPem = given().get("/v1/crl").then().statusCode(200).extract().asString();
        X509CRLHolder crl = Pem.crl(crlPem);
        assertThat(crl.getRevokedCertificate(new BigInteger(serial, 16))).isNotNull();
        Certs.Result revoked = verify(caPem, certPem, "sslclient", crlPem);
        assertThat(revoked.ok()).isFalse();
        assertThat(revoked.output()).contains("revoked");
        assertThat(PkiState.outbox(CertRevoked.class, "client:" + name)).isEmpty();
        assertThat(PkiState.outboxCount()).as("only the re-signed CRL's CrlPublished").isEqualTo(outbox + 1);
    }

    @Test
    void viewerCertificateCarriesTheViewerRoleAndTheRequestedValidity() {
        String name = newName("viewer.tool");
        JsonPath json = post(body(name, "viewer", csr(TestKeys.rsa(2048), name), "P1D")).statusCode(201)
                .extract().jsonPath();
        X509CertificateHolder cert = Pem.certificate(json.getString("certificatePem"));
        GeneralName[] sans = GeneralNames.fromExtensions(cert.getExtensions(), Extension.subjectAlternativeName)
                .getNames();
        assertThat(sans).extracting(n -> n.getName().toString()).containsExactly("urn:virtgate:role:viewer");
        Duration life = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(life).isBetween(Duration.ofDays(1), Duration.ofDays(1).plusMinutes(6));
        String caPem = given().get("/v1/ca").then().extract().asString();
        Certs.Result client = verify(caPem, json.getString("certificatePem"), "sslclient", null);
        assertThat(client.ok()).as(client.output()).isTrue();
    }

    @Test
    void clientCertificatesAreNeverPickedUpByHostRenewal() {
        String name = newName("renew");
        String serial = post(body(name, "operator", csr(TestKeys.p256(), name), "P30D")).statusCode(201)
                .extract().path("serial");
        PkiState.run(() -> IssuedCertificate.update("renewAfter = ?1 where serial = ?2",
                Instant.now().minusSeconds(60), serial));
        PkiState.run(() -> Arc.container().instance(RenewalService.class).get().requestDue());
        assertThat(PkiState.outbox(CertRenewalRequested.class, "client:" + name)).isEmpty();
        assertThat(PkiState.certificate(serial).renewalRequestedAt).isNull();
        assertThat(PkiState.outbox(CertIssued.class, "client:" + name)).isEmpty();
    }

    @Test
    void badInputIsRefusedWithProblemJsonNamingTheFieldAndNothingPersisted() {
        String name = newName("bad");
        KeyPair key = TestKeys.p256();
        String good = csr(key, name);
        long certs = PkiState.certificateCount();
        long outbox = PkiState.outboxCount();

        refused(post(body("Carol", "operator", good, null)), 400, "name");
        refused(post(body("-carol", "operator", good, null)), 400, "name");
        refused(post(body("a".repeat(57), "operator", good, null)), 400, "name");
        refused(post(body("carol,OU=x", "operator", good, null)), 400, "name");
        refused(post(body(null, "operator", good, null)), 400, "name");
        refused(post(body(name, "admin", good, null)), 400, "role");
        refused(post(body(name, "Operator", good, null)), 400, "role");
        refused(post(body(name, null, good, null)), 400, "role");
        refused(post(body(name, "operator", null, null)), 400, "csrPem");
        refused(post(body(name, "operator", "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----\n",
                null)), 400, "csrPem");
        refused(post(body(name, "operator", TestCsr.forKey(key).commonName(name).signedBy(TestKeys.p256().getPrivate()).pem(), null)), 422, "csrPem");
        refused(post(body(name, "operator", csr(TestKeys.rsa(1024), name), null)), 422, "csrPem.publicKey");
        refused(post(body(name, "operator", csr(TestKeys.ec("secp256k1"), name), null)), 422, "csrPem.publicKey");
        refused(post(body(name, "operator", csr(key, "mallory"), null)), 422, "csrPem.subject.CN");
        refused(post(body(name, "operator", TestCsr.pem(key, name, List.of("host.example"), List.of()), null)),
                422, "csrPem.subjectAltName");
        refused(post(body(name, "operator", good, "P31D")), 422, "validity");
        refused(post(body(name, "operator", good, "soon")), 400, "validity");
        refused(post(body(name, "operator", good, "P1M")), 400, "validity");
        refused(post(body(name, "operator", good, "PT0S")), 400, "validity");
        refused(post(body(name, "operator", good, "-P1D")), 400, "validity");
        post(TestTokens.viewer("bob"), body(name, "operator", good, null)).statusCode(403);
        post(null, body(name, "operator", good, null)).statusCode(401);

        assertThat(PkiState.certificateCount()).isEqualTo(certs);
        assertThat(PkiState.outboxCount()).isEqualTo(outbox);
        post(body(name, "operator", good, "P30D")).statusCode(201);
    }

    static Certs.Result verify(String caPem, String certPem, String purpose, String crlPem) {
        List<String> args = new java.util.ArrayList<>(List.of("verify", "-purpose", purpose, "-CAfile",
                Certs.file(caPem).toString()));
        if (crlPem != null) {
            args.addAll(List.of("-crl_check", "-CRLfile", Certs.file(crlPem).toString()));
        }
        args.add(Certs.file(certPem).toString());
        return Certs.openssl(args.toArray(String[]::new));
    }

    static void refused(ValidatableResponse response, int status, String field) {
        response.statusCode(status).contentType("application/problem+json").body("status", is(status))
                .body("invalidParams.name", hasItem(field));
    }
}
