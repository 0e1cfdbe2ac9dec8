package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/** Unstorable text (NUL) is a 400 naming the field; a wrong method is a 405 with Allow; both problem+json. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class RequestRefusalsTest {

    static RequestSpecification operator() {
        return given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON);
    }

    @Test
    void nulInQueryOrPathParameterIsA400NamingIt() {
        operator().urlEncodingEnabled(false).get("/v1/certificates?hostId=h%00").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("hostId"))
                .body("invalidParams[0].reason", containsString("NUL"));
        operator().urlEncodingEnabled(false).get("/v1/certificates/ab%00cd").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("serial"));
    }

    @Test
    void nulInAJsonFieldIsA400NamingTheField() {
        operator().body(Map.of("reason", "key\u0000compromise")).post("/v1/certificates/00ff/revoke").then()
                .statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains("reason"));
        operator().body(Map.of("name", "alice\u0000", "role", "viewer", "csrPem", "x"))
                .post("/v1/client-certificates").then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains("name"));
        operator().body(Map.of("hostId", "h1", "csrPem", "x", "enrollmentProof", "p\u0000"))
                .post("/v1/certificates").then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains("enrollmentProof"));
    }

    @Test
    void wrongMethodIsA405WithAllow() {
        operator().delete("/v1/ca").then().statusCode(405).contentType("application/problem+json")
                .header("Allow", is("GET, HEAD, OPTIONS")).body("status", is(405));
        operator().put("/v1/crl").then().statusCode(405).contentType("application/problem+json")
                .header("Allow", is("GET, HEAD, OPTIONS"));
        operator().get("/v1/ca/rotate").then().statusCode(405).header("Allow", is("OPTIONS, POST"));
        operator().delete("/v1/certificates/00ff").then().statusCode(405).header("Allow", is("GET, HEAD, OPTIONS"));
        operator().put("/v1/certificates").then().statusCode(405).header("Allow", is("GET, HEAD, OPTIONS, POST"));
    }
}
