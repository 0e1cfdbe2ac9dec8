package dev.virtgate.migration;

import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.is;

@QuarkusTest
class AuthTest {

    @Test
    void anonymousGets401OnEveryApiEndpoint() {
        given().get("/v1/hosts").then().statusCode(401);
        given().get("/v1/hosts/h1").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").post("/v1/hosts").then().statusCode(401);
        given().delete("/v1/hosts/h1").then().statusCode(401);
        given().get("/v1/clusters/c1/policy").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").put("/v1/clusters/c1/policy").then().statusCode(401);
        given().get("/v1/migrations").then().statusCode(401);
        given().get("/v1/migrations/m-1").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").post("/v1/migrations").then().statusCode(401);
        given().contentType(ContentType.JSON).body("{}").post("/v1/migrations/plan").then().statusCode(401);
        given().delete("/v1/migrations/m-1").then().statusCode(401);
    }

    @Test
    void aForgedOrForeignTokenIs401() {
        given().auth().oauth2("eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUiLCJncm91cHMiOlsib3BlcmF0b3IiXX0.")
                .get("/v1/hosts").then().statusCode(401);
    }

    @Test
    void viewerReadsButCannotChangeAnything() {
        Fleet.Host a = Fleet.register("auth-c");
        Fleet.Host b = Fleet.register("auth-c");
        Fleet.viewer().get("/v1/hosts").then().statusCode(200);
        Fleet.viewer().get("/v1/hosts/" + a.id()).then().statusCode(200).body("id", is(a.id()));
        Fleet.viewer().get("/v1/clusters/auth-c/policy").then().statusCode(200);
        Fleet.viewer().get("/v1/migrations").then().statusCode(200);
        Fleet.viewer().body(Fleet.migration("vm-auth", a, b)).post("/v1/migrations/plan").then().statusCode(200);

        Fleet.viewer().body(Fleet.migration("vm-auth", a, b)).post("/v1/migrations").then().statusCode(403)
                .contentType("application/problem+json");
        Fleet.viewer().body(Map.of("hostId", "x1", "clusterId", "auth-c", "fqdn", "x1.lab.virtgate.test",
                "managementAddresses", java.util.List.of("10.0.0.9"))).post("/v1/hosts").then().statusCode(403);
        Fleet.viewer().body(Map.of("mode", "ALLOW_SASL_FALLBACK")).put("/v1/clusters/auth-c/policy").then()
                .statusCode(403);
        Fleet.viewer().delete("/v1/hosts/" + a.id()).then().statusCode(403);
        Fleet.viewer().delete("/v1/migrations/m-1").then().statusCode(403);
    }
}
