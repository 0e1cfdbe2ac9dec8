package dev.virtgate.credential;

import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import static dev.virtgate.credential.Clusters.cluster;
import static dev.virtgate.credential.Clusters.settledCluster;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * An operator's rotation is audited with its principal; GET /v1/audit answers it, a refused one too.
 * Real Kafka, OpenBao and PostgreSQL (the test resources of CredentialServiceTest, not restricted to it).
 */
@QuarkusTest
class AuditTrailTest {
    static SimulatedFleet fleet;

    @BeforeAll
    static void start() {
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), false);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    void rotateStoresItsPrincipal() {
        String c = cluster("audited");
        settledCluster(fleet, c, 1);
        rotate("dave", c).statusCode(202);
        rotate("dave", c).statusCode(409); // the first one is still in progress
        rotate("dave", c + "-none").statusCode(404);
        given().auth().oauth2(TestTokens.viewer("erin")).post("/v1/clusters/{id}/credentials/rotate", c).then()
                .statusCode(403);

        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?action=credential.rotate&actor=dave&size=2")
                .then().statusCode(200).contentType("application/json")
                .body("total", is(3)).body("size", is(2))
                .body("items.target", contains(c + "-none", c))
                .body("items.outcome", contains("refused", "refused"))
                .body("items[1].detail", containsString("rotation is in progress"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?actor=dave&page=1&size=2").then()
                .body("items.size()", is(1))
                .body("items[0].action", is("credential.rotate"))
                .body("items[0].outcome", is("accepted"))
                .body("items[0].actor", is("dave"))
                .body("items[0].service", is("credential-service"))
                .body("items[0].cluster", is(c))
                .body("items[0].host", nullValue())
                .body("items[0].sourceAddress", is("127.0.0.1"))
                .body("items[0].detail", containsString("version=2"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?actor=erin").then()
                .body("items.cluster", contains(c)).body("items.outcome", contains("refused"))
                .body("items[0].detail", containsString("role"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/audit?since=2026-11-29").then().statusCode(400)
                .contentType("application/problem+json").body("invalidParams.name", contains("since"));
    }

    static io.restassured.response.ValidatableResponse rotate(String operator, String clusterId) {
        return given().auth().oauth2(TestTokens.operator(operator)).post("/v1/clusters/{id}/credentials/rotate",
                clusterId).then();
    }
}
