package dev.virtgate.migration;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.lessThan;

/** Text PostgreSQL cannot store (a NUL) is a 400 naming the parameter or field, never a 500. */
@QuarkusTest
class UnstorableInputTest {

    @Test
    void nulInAQueryParameterIsA400NamingIt() {
        Fleet.viewer().urlEncodingEnabled(false).get("/v1/hosts?cluster=%00").then().statusCode(400)
                .contentType("application/problem+json").body("status", is(400))
                .body("invalidParams.name", contains("cluster"))
                .body("invalidParams[0].reason", containsString("NUL"));
        Fleet.viewer().urlEncodingEnabled(false).get("/v1/migrations?host=a%00b").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("host"));
    }

    /** JAX-RS would answer 404, as if /v1/migrations did not exist (found by ApiFuzzIT). */
    @Test
    void aQueryParameterNotOfItsTypeIsA400NotA404() {
        Fleet.viewer().get("/v1/migrations?limit=null").then().statusCode(400)
                .contentType("application/problem+json").body("status", is(400))
                .body("detail", containsString("not of its type"));
    }

    /** A body that is not JSON: 415 problem+json, documented on every operation that takes a body. */
    @Test
    void aBodyThatIsNotJsonIsA415() {
        given().auth().oauth2(Fleet.OPERATOR).contentType(ContentType.TEXT).body("hostId=h1").post("/v1/hosts")
                .then().statusCode(415).contentType("application/problem+json");
    }

    @Test
    void nulInAPathParameterIsA400NamingIt() {
        Fleet.viewer().urlEncodingEnabled(false).get("/v1/hosts/x%00y").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("id"));
        Fleet.operator().urlEncodingEnabled(false).body(Map.of("mode", "REQUIRE_TLS"))
                .put("/v1/clusters/c%00/policy").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("clusterId"));
    }

    @Test
    void nulInAJsonFieldIsA400NamingTheField() {
        String id = Fleet.unique("nul");
        Fleet.operator().body(Map.of("hostId", id, "clusterId", "nul-c", "fqdn", id + "\u0000.example.test",
                        "managementAddresses", List.of("10.0.0.1")))
                .post("/v1/hosts").then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains("fqdn"));
        Fleet.operator().body(Map.of("hostId", id, "clusterId", "nul-c", "fqdn", id + ".example.test",
                        "managementAddresses", List.of("10.0.0.1"), "dnsNames", List.of("ok", "a\u0000")))
                .post("/v1/hosts").then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains("dnsNames[1]"));
        Fleet.operator().body(Map.of("vmName", "vm\u0000", "sourceHostId", "a", "destinationHostId", "b"))
                .post("/v1/migrations/plan").then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains("vmName"));
        Fleet.viewer().get("/v1/hosts/" + id).then().statusCode(404);
    }

    @Test
    void nulInAHeaderIsA400NamingIt() {
        Fleet.operator().header("Idempotency-Key", "k\u0000")
                .body(Map.of("vmName", "vm", "sourceHostId", "a", "destinationHostId", "b"))
                .post("/v1/migrations").then().statusCode(lessThan(500));
    }

    @Test
    void invalidUtf8IsNeverA500() {
        Fleet.viewer().urlEncodingEnabled(false).get("/v1/hosts?cluster=%FF%FE").then().statusCode(lessThan(500));
        Fleet.viewer().urlEncodingEnabled(false).get("/v1/hosts/%C3%28").then().statusCode(lessThan(500));
        byte[] body = "{\"hostId\":\"a\", \"clusterId\":\"c\", \"fqdn\":\"\u00ff.example.test\", \"managementAddresses\":[\"10.0.0.1\"]}"
                .getBytes(StandardCharsets.ISO_8859_1);
        given().auth().oauth2(Fleet.OPERATOR).contentType(ContentType.JSON).body(body).post("/v1/hosts").then()
                .statusCode(400).contentType("application/problem+json");
    }
}
