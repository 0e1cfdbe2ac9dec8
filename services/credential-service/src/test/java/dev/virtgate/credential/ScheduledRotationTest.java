package dev.virtgate.credential;

import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.repository.ClusterCredential;
import dev.virtgate.credential.service.Reconciler;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.response.Response;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.is;

/**
 * The rotation schedule, driven by the reconciler's own timer (every second in %test). The
 * interval is an hour, so only a cluster whose last rotation is moved back in the database is due.
 * Kafka, OpenBao and PostgreSQL come from CredentialServiceTest's test resources (not restricted to it).
 */
@QuarkusTest
@TestProfile(ScheduledRotationTest.HourlyRotation.class)
class ScheduledRotationTest {
    static final Duration WAIT = Duration.ofSeconds(60);
    static SimulatedFleet fleet;

    public static class HourlyRotation implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("virtgate.credential.rotation.interval", "PT1H");
        }
    }

    @BeforeAll
    static void start() {
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), false);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    static Response status(String clusterId) {
        return given().header("Authorization", "Bearer " + TestTokens.operator("alice"))
                .get("/v1/clusters/{id}/credentials", clusterId);
    }

    static String settledCluster(String prefix, int hosts) {
        String clusterId = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < hosts; i++) {
            fleet.register(clusterId, clusterId + "-h" + i);
        }
        fleet.flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            fleet.reportUnconfigured(clusterId);
            status(clusterId).then().statusCode(200).body("version", is(1)).body("phase", is("ACTIVE"))
                    .body("acknowledgedHosts.size()", is(hosts));
        });
        return clusterId;
    }

    static void lastRotatedAgo(String clusterId, Duration age) {
        QuarkusTransaction.requiringNew().run(() -> {
            ClusterCredential cluster = ClusterCredential.findById(clusterId);
            Instant then = Instant.now().minus(age);
            cluster.createdAt = then;
            cluster.rotationStartedAt = then;
        });
    }

    @Test
    void aClusterDueByTheScheduleIsRotatedThroughTheFleetAndARecentOneIsNot() {
        String due = settledCluster("sched-due", 3);
        String recent = settledCluster("sched-recent", 2);
        given().header("Authorization", "Bearer " + TestTokens.operator("alice"))
                .post("/v1/clusters/{id}/credentials/rotate", recent).then().statusCode(202);
        await().atMost(WAIT).untilAsserted(() -> status(recent).then().body("version", is(2))
                .body("phase", is("RETIRED")));
        // created long ago but rotated just now: the last rotation is what counts
        QuarkusTransaction.requiringNew().run(() -> ClusterCredential.<ClusterCredential>findById(recent).createdAt =
                Instant.now().minus(Duration.ofHours(2)));

        lastRotatedAgo(due, Duration.ofMinutes(61));

        await().atMost(WAIT).untilAsserted(() -> status(due).then().body("version", is(2))
                .body("phase", is("RETIRED")).body("rotationRequestedBy", is(Reconciler.SCHEDULER))
                .body("acknowledgedHosts.size()", is(3)));
        assertThat(fleet.rotated(due)).extracting(e -> "v" + e.version() + "/" + e.phase()).containsSubsequence(
                "v2/STAGED", "v2/ACTIVE", "v2/RETIRED");
        assertThat(fleet.agents(due)).allSatisfy(a -> assertThat(a.client()).isEqualTo("virtgate-v2"));

        // several ticks later neither is rotated again: both rotations are minutes old at most
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(6)).untilAsserted(() -> {
            status(due).then().body("version", is(2)).body("rotationInProgress", is(false));
            status(recent).then().body("version", is(2)).body("rotationRequestedBy", is("alice"));
        });
        assertThat(fleet.violations()).isEmpty();
    }
}
