package dev.virtgate.credential.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two packaged credential-service instances on one database, broker and OpenBao. A rotation asked
 * of both at once starts once; rotations started through either instance are held mid-way by an
 * agent that stopped applying, one instance is killed with SIGKILL, and the survivor finishes every
 * rotation: each cluster goes through version 2 STAGED, ACTIVE, RETIRED under one rotation id, never
 * a step skipped, never a second rotation, and no agent ever uses a username a peer does not accept.
 */
class TwoInstancesRotationIT {
    private static final int CLUSTERS = 4;
    private static final Duration WAIT = Duration.ofSeconds(120);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private static final List<ServiceProcess> STARTED = new ArrayList<>();
    private static ServiceProcess a;
    private static ServiceProcess b;
    private static SimulatedFleet fleet;

    @BeforeAll
    static void start() {
        TestTrust.ensurePublished();
        Map<String, String> env = new HashMap<>(ServiceProcess.standardEnv("virtgate_credential_two"));
        env.put("VIRTGATE_CREDENTIAL_ROTATION_CHECK_EVERY", "1s");
        env.put("VIRTGATE_OUTBOX_SWEEP_AFTER", "PT5S"); // the dead instance's unsent rows are the survivor's after 5 s
        // a killed member leaves the group after the session timeout: the survivor gets its partitions
        env.put("JAVA_TOOL_OPTIONS", "-Dmp.messaging.incoming.hosts-in.session.timeout.ms=6000"
                + " -Dmp.messaging.incoming.hosts-in.heartbeat.interval.ms=1000");
        a = ServiceProcess.start("credential-service", env);
        STARTED.add(a);
        b = ServiceProcess.start("credential-service", env);
        STARTED.add(b);
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), false);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
        STARTED.forEach(ServiceProcess::stop);
    }

    @Test
    void rotationsStartedThroughBothInstancesFinishOnceEachWhenOneIsKilled() {
        List<String> clusters = new ArrayList<>();
        for (int i = 0; i < CLUSTERS; i++) {
            clusters.add(settledCluster("two-" + i, 3));
        }
        // the same rotation asked of both instances at the same moment: one starts it, the other refuses
        String first = clusters.get(0);
        CompletableFuture<Integer> viaA = CompletableFuture.supplyAsync(() -> rotate(a, first));
        CompletableFuture<Integer> viaB = CompletableFuture.supplyAsync(() -> rotate(b, first));
        assertThat(List.of(viaA.join(), viaB.join())).containsExactlyInAnyOrder(202, 409);

        for (int i = 1; i < CLUSTERS; i++) {
            String cluster = clusters.get(i);
            fleet.setOnline(cluster, cluster + "-h2", false); // holds the rotation in STAGED
            assertThat(rotate(i % 2 == 0 ? a : b, cluster)).isEqualTo(202);
        }
        Map<String, String> rotationIds = new HashMap<>();
        for (String cluster : clusters) {
            JsonNode status = status(b, cluster);
            assertThat(status.path("version").asInt()).isEqualTo(2);
            rotationIds.put(cluster, status.path("rotationId").asText());
        }

        a.kill(); // mid-flight: three rotations held in STAGED, one possibly still under way
        for (int i = 1; i < CLUSTERS; i++) {
            fleet.setOnline(clusters.get(i), clusters.get(i) + "-h2", true);
        }
        await("every rotation retired by the survivor").atMost(WAIT).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> clusters.forEach(c -> {
                    JsonNode status = status(b, c);
                    assertThat(status.path("phase").asText()).as(c).isEqualTo("RETIRED");
                    assertThat(status.path("laggards")).as(c).isEmpty();
                }));
        for (String cluster : clusters) {
            JsonNode status = status(b, cluster);
            assertThat(status.path("version").asInt()).as(cluster).isEqualTo(2);
            assertThat(status.path("rotationId").asText()).as(cluster).isEqualTo(rotationIds.get(cluster));
            List<CredentialRotated> announced = fleet.rotated(cluster).stream().filter(e -> e.version() == 2).toList();
            assertThat(announced).as(cluster).extracting(CredentialRotated::rotationId).containsOnly(rotationIds.get(cluster));
            assertThat(announced.stream().map(e -> e.phase().name()).distinct().toList()).as(cluster)
                    .containsExactly("STAGED", "ACTIVE", "RETIRED");
            assertThat(fleet.rotated(cluster)).as(cluster).noneMatch(e -> e.version() > 2);
            assertThat(fleet.agents(cluster)).allSatisfy(agent -> assertThat(agent.client()).isEqualTo("virtgate-v2"));
        }
        assertThat(fleet.violations()).isEmpty();
    }

    private static String settledCluster(String prefix, int hosts) {
        String clusterId = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < hosts; i++) {
            fleet.register(clusterId, clusterId + "-h" + i);
        }
        fleet.flush();
        await().atMost(WAIT).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            fleet.reportUnconfigured(clusterId); // an agent that reported before its registration was processed
            JsonNode status = status(b, clusterId);
            assertThat(status.path("version").asInt()).isEqualTo(1);
            assertThat(status.path("acknowledgedHosts")).hasSize(hosts);
        });
        return clusterId;
    }

    private static int rotate(ServiceProcess service, String clusterId) {
        return send(HttpRequest.newBuilder(URI.create(service.url("/v1/clusters/" + clusterId + "/credentials/rotate")))
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode();
    }

    private static JsonNode status(ServiceProcess service, String clusterId) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(
                service.url("/v1/clusters/" + clusterId + "/credentials"))).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.header("Authorization", "Bearer " + TestTokens.operator("alice")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
