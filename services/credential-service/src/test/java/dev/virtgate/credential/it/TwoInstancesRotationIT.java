package dev.virtgate.credential.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
            clusters.add(CredentialApi.settledCluster(fleet, b, "two-" + i, 3, WAIT));
        }
        // the same rotation asked of both instances at the same moment: one starts it, the other refuses
        String first = clusters.get(0);
        CompletableFuture<Integer> viaA = CompletableFuture.supplyAsync(() -> CredentialApi.rotate(a, first));
        CompletableFuture<Integer> viaB = CompletableFuture.supplyAsync(() -> CredentialApi.rotate(b, first));
        assertThat(List.of(viaA.join(), viaB.join())).containsExactlyInAnyOrder(202, 409);

        for (int i = 1; i < CLUSTERS; i++) {
            String cluster = clusters.get(i);
            fleet.setOnline(cluster, cluster + "-h2", false); // holds the rotation in STAGED
            assertThat(CredentialApi.rotate(i % 2 == 0 ? a : b, cluster)).isEqualTo(202);
        }
        Map<String, String> rotationIds = new HashMap<>();
        for (String cluster : clusters) {
            JsonNode status = CredentialApi.status(b, cluster);
            assertThat(status.path("version").asInt()).isEqualTo(2);
            rotationIds.put(cluster, status.path("rotationId").asText());
        }

        a.kill(); // mid-flight: three rotations held in STAGED, one possibly still under way
        for (int i = 1; i < CLUSTERS; i++) {
            fleet.setOnline(clusters.get(i), clusters.get(i) + "-h2", true);
        }
        await("every rotation retired by the survivor").atMost(WAIT).pollInterval(Duration.ofSeconds(1))
                .untilAsserted(() -> clusters.forEach(c -> {
                    JsonNode status = CredentialApi.status(b, c);
                    assertThat(status.path("phase").asText()).as(c).isEqualTo("RETIRED");
                    assertThat(status.path("laggards")).as(c).isEmpty();
                }));
        for (String cluster : clusters) {
            JsonNode status = CredentialApi.status(b, cluster);
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
}
