package dev.virtgate.pki;

import dev.virtgate.pki.pki.Pem;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/** A revocation is audited with its principal; GET /v1/audit answers it, a refused one too. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class AuditTrailTest {

    @Test
    void revokeStoresItsPrincipal() throws Exception {
        var host = IssuanceRestTest.newHost("audit");
        String certPem = IssuanceRestTest.post(host).statusCode(201).extract().path("certificatePem");
        String serial = Pem.certificate(certPem).getSerialNumber().toString(16);

        given().auth().oauth2(TestTokens.viewer("bob")).contentType(ContentType.JSON).body(Map.of("reason", "x"))
                .post("/v1/certificates/" + serial + "/revoke").then().statusCode(403);
        revoke("carol", serial, "keyCompromise").statusCode(200).body("revokedBy", is("carol"));
        revoke("carol", serial, "again").statusCode(409);

        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?host=" + host.id()).then().statusCode(200)
                .body("total", is(2))
                .body("items.action", contains("certificate.revoke", "certificate.revoke"))
                .body("items.outcome", contains("refused", "accepted"))
                .body("items.actor", contains("carol", "carol"))
                .body("items.target", contains(serial, serial))
                .body("items[1].service", is("pki-service"))
                .body("items[1].sourceAddress", is("127.0.0.1"))
                .body("items[1].detail", containsString("reason=keyCompromise"))
                .body("items[0].detail", containsString("already revoked"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?actor=carol&action=certificate.revoke")
                .then().statusCode(200).body("items.host", hasItem(host.id()));
        // refused before the revocation ran (the viewer's role): only the path is known
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?actor=bob&action=certificate.revoke").then()
                .body("items.target", contains(serial)).body("items.outcome", contains("refused"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/certificates/" + serial).then()
                .body("revokedBy", is("carol"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?until=now").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("until"));
    }

    static io.restassured.response.ValidatableResponse revoke(String operator, String serial, String reason) {
        return given().auth().oauth2(TestTokens.operator(operator)).contentType(ContentType.JSON)
                .body(Map.of("reason", reason)).post("/v1/certificates/" + serial + "/revoke").then();
    }
}
