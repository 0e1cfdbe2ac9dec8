package dev.virtgate.credential;

import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.TestTokens;
import io.restassured.response.Response;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

/** Test clusters through the REST API: a fresh name, its status, a rotation, a settled fleet. */
final class Clusters {
    static final Duration WAIT = Duration.ofSeconds(60);

    static String cluster(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    static Response status(String clusterId) {
        return given().header("Authorization", "Bearer " + TestTokens.operator("alice"))
                .get("/v1/clusters/{id}/credentials", clusterId);
    }

    static void rotate(String clusterId) {
        given().header("Authorization", "Bearer " + TestTokens.operator("alice"))
                .post("/v1/clusters/{id}/credentials/rotate", clusterId).then().statusCode(202);
    }

    /** Registers {@code count} simulated hosts and waits until every one acknowledged credential v1. */
    static List<String> settledCluster(SimulatedFleet fleet, String clusterId, int count) {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ids.add(clusterId + "-h" + i);
            fleet.register(clusterId, ids.get(i));
        }
        fleet.flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            fleet.reportUnconfigured(clusterId);
            status(clusterId).then().statusCode(200).body("version", is(1)).body("acknowledgedHosts.size()", is(count));
        });
        return ids;
    }

    private Clusters() {
    }
}
