package dev.virtgate.migration;

import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;

import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

@QuarkusTest
class PolicyApiTest {

    @Test
    void defaultIsRequireTls() {
        Fleet.viewer().get("/v1/clusters/fresh-cluster/policy").then().statusCode(200)
                .body("mode", is("REQUIRE_TLS")).body("windowOpen", is(false)).body("saslOnTls", is(true))
                .body("revision", is(0));
    }

    @Test
    void setAndReadPolicies() {
        Fleet.operator().body(Map.of("mode", "ALLOW_SASL_FALLBACK")).put("/v1/clusters/pol-a/policy").then()
                .statusCode(200).body("mode", is("ALLOW_SASL_FALLBACK")).body("updatedBy", is("alice"))
                .body("windowExpiresAt", nullValue()).body("saslOnTls", is(true)).body("revision", is(1));
        Fleet.viewer().get("/v1/clusters/pol-a/policy").then().body("mode", is("ALLOW_SASL_FALLBACK"));
        String until = Instant.now().plus(Duration.ofHours(4)).toString();
        Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW", "windowExpiresAt", until))
                .put("/v1/clusters/pol-a/policy").then().statusCode(200).body("windowOpen", is(true));
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS")).put("/v1/clusters/pol-a/policy").then().statusCode(200);
        Fleet.viewer().get("/v1/clusters/pol-a/policy").then().body("mode", is("REQUIRE_TLS"));
    }

    @Test
    void upgradeWindowNeedsAFutureExpiry() {
        bad(Map.of("mode", "UPGRADE_WINDOW"), 422, "windowExpiresAt");
        bad(Map.of("mode", "UPGRADE_WINDOW", "windowExpiresAt", Instant.now().minusSeconds(5).toString()), 422,
                "windowExpiresAt");
        bad(Map.of("mode", "REQUIRE_TLS", "windowExpiresAt", Instant.now().plusSeconds(60).toString()), 422,
                "windowExpiresAt");
        bad(Map.of("mode", "WIDE_OPEN"), 400, "mode");
        bad(Map.of(), 400, "mode");
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS")).put("/v1/clusters/Bad_Id/policy").then().statusCode(400)
                .body("invalidParams.name", hasItem("clusterId"));
        bad(Map.of("mode", "REQUIRE_TLS", "saslOnTls", "maybe"), 400, "saslOnTls");
        bad(Map.of("mode", "REQUIRE_TLS", "agentTlsProxy", "maybe"), 400, "agentTlsProxy");
        bad(Map.of("mode", "REQUIRE_TLS", "agentTlsProxy", Map.of("on", true)), 400, "agentTlsProxy");
        bad(Map.of("mode", "REQUIRE_TLS", "parallelConnections", 0), 422, "parallelConnections");
        bad(Map.of("mode", "REQUIRE_TLS", "parallelConnections", 17), 422, "parallelConnections");
        bad(Map.of("mode", "REQUIRE_TLS", "parallelConnections", -3), 422, "parallelConnections");
        Fleet.viewer().get("/v1/clusters/pol-b/policy").then().body("mode", is("REQUIRE_TLS")).body("revision", is(0));
    }

    @Test
    void parallelConnectionsAreKeptAndOptional() {
        Fleet.viewer().get("/v1/clusters/pol-p/policy").then().body("parallelConnections", nullValue());
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS", "parallelConnections", 4)).put("/v1/clusters/pol-p/policy")
                .then().statusCode(200).body("parallelConnections", is(4));
        Fleet.viewer().get("/v1/clusters/pol-p/policy").then().body("parallelConnections", is(4));
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS", "parallelConnections", 17)).put("/v1/clusters/pol-p/policy")
                .then().statusCode(422).body("detail", is("parallelConnections: must be from 1 to 16"));
        Fleet.viewer().get("/v1/clusters/pol-p/policy").then().body("parallelConnections", is(4)).body("revision", is(1));
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS")).put("/v1/clusters/pol-p/policy").then().statusCode(200)
                .body("parallelConnections", nullValue());
    }

    /** Opt-in: absent reads as false, and every PUT says it again (a PUT without it turns it off). */
    @Test
    void agentTlsProxyIsOptInAndKept() {
        Fleet.viewer().get("/v1/clusters/pol-x/policy").then().body("agentTlsProxy", is(false));
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS")).put("/v1/clusters/pol-x/policy").then().statusCode(200)
                .body("agentTlsProxy", is(false));
        Fleet.operator().body(Map.of("mode", "ALLOW_SASL_FALLBACK", "agentTlsProxy", true))
                .put("/v1/clusters/pol-x/policy").then().statusCode(200).body("agentTlsProxy", is(true));
        Fleet.viewer().get("/v1/clusters/pol-x/policy").then().body("agentTlsProxy", is(true))
                .body("mode", is("ALLOW_SASL_FALLBACK")).body("revision", is(2));
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS", "agentTlsProxy", "maybe")).put("/v1/clusters/pol-x/policy")
                .then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", hasItem("agentTlsProxy"));
        Fleet.viewer().get("/v1/clusters/pol-x/policy").then().body("agentTlsProxy", is(true)).body("revision", is(2));
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS")).put("/v1/clusters/pol-x/policy").then().statusCode(200)
                .body("agentTlsProxy", is(false));
    }

    static void bad(Map<String, Object> body, int status, String field) {
        Fleet.operator().body(body).put("/v1/clusters/pol-b/policy").then().statusCode(status)
                .contentType("application/problem+json").body("invalidParams.name", hasItem(field));
    }
}
