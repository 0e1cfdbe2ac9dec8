package dev.virtgate.credential;

import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.specification.RequestSpecification;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * Unstorable text (NUL) is a 400 naming the parameter; a wrong method is a 405 with Allow. This
 * service's only POST takes no body, so its path parameter carries the NUL. Real Kafka, OpenBao and
 * PostgreSQL (the test resources of CredentialServiceTest, not restricted to it).
 */
@QuarkusTest
class RequestRefusalsTest {

    static RequestSpecification operator() {
        return given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON);
    }

    @Test
    void nulInAPathParameterIsA400NamingIt() {
        operator().urlEncodingEnabled(false).post("/v1/clusters/c%00/credentials/rotate").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("clusterId"))
                .body("invalidParams[0].reason", containsString("NUL"));
        operator().urlEncodingEnabled(false).get("/v1/clusters/%00/credentials").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("clusterId"));
    }

    @Test
    void wrongMethodIsA405WithAllow() {
        operator().delete("/v1/clusters/c1/credentials").then().statusCode(405)
                .contentType("application/problem+json").header("Allow", is("GET, HEAD, OPTIONS"));
        operator().get("/v1/clusters/c1/credentials/rotate").then().statusCode(405)
                .header("Allow", is("OPTIONS, POST"));
    }
}
