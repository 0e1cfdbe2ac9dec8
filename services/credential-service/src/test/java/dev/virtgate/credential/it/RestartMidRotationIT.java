package dev.virtgate.credential.it;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.ServiceProcess;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The packaged service killed (SIGKILL, no shutdown hooks) in the middle of two rotations, one
 * held in STAGED and one in ACTIVE by agents that stopped applying, then started again as a new
 * process on the same database and broker. Only what was persisted survives; both rotations must
 * finish once the agents are back, without any agent ever using a username a peer does not accept.
 * The simulated agents sign with host certificates from the test CA, published into OpenBao (as
 * pki-service would) before the service starts.
 */
class RestartMidRotationIT {
    private static final String SERVICE = "credential-service";
    private static final Duration WAIT = Duration.ofSeconds(90);

    private static Map<String, String> env;
    private static ServiceProcess service;
    private static SimulatedFleet fleet;

    @BeforeAll
    static void start() {
        TestTrust.ensurePublished();
        env = new HashMap<>(ServiceProcess.standardEnv("virtgate_credential_restart"));
        env.put("VIRTGATE_CREDENTIAL_ROTATION_CHECK_EVERY", "1s");
        // A killed consumer never leaves its group: the broker drops it after the session timeout
        // (default 45 s), and only then does the new process get the partitions.
        env.put("JAVA_TOOL_OPTIONS", "-Dmp.messaging.incoming.hosts-in.session.timeout.ms=6000"
                + " -Dmp.messaging.incoming.hosts-in.heartbeat.interval.ms=1000");
        service = ServiceProcess.start(SERVICE, env);
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), false);
    }

    @AfterAll
    static void stop() {
        if (fleet != null) {
            fleet.close();
        }
        if (service != null) {
            service.stop();
        }
    }

    @Test
    void rotationsHeldInStagedAndActiveResumeAfterTheProcessIsKilled() {
        String staged = CredentialApi.settledCluster(fleet, service, "held-staged", 3, WAIT);
        String active = CredentialApi.settledCluster(fleet, service, "held-active", 3, WAIT);
        String stagedLaggard = staged + "-h2";
        String activeLaggard = active + "-h2";

        fleet.setOnline(staged, stagedLaggard, false);
        fleet.stopAfter(active, activeLaggard, 2, CredentialPhase.STAGED);
        assertThat(CredentialApi.rotate(service, staged)).isEqualTo(202);
        assertThat(CredentialApi.rotate(service, active)).isEqualTo(202);
        await().atMost(WAIT).untilAsserted(() -> {
            assertHeld(CredentialApi.status(service, staged), "STAGED", stagedLaggard, 1, "ACTIVE");
            assertHeld(CredentialApi.status(service, active), "ACTIVE", activeLaggard, 2, "STAGED");
        });
        String stagedRotation = CredentialApi.status(service, staged).path("rotationId").asText();
        String activeRotation = CredentialApi.status(service, active).path("rotationId").asText();

        long killed = service.pid();
        service.kill();
        service = ServiceProcess.start(SERVICE, env);
        assertThat(service.pid()).isNotEqualTo(killed);

        // The new process knows both rotations from the database alone.
        JsonNode stagedAfter = CredentialApi.status(service, staged);
        assertThat(stagedAfter.path("phase").asText()).isEqualTo("STAGED");
        assertThat(stagedAfter.path("rotationId").asText()).isEqualTo(stagedRotation);
        assertThat(CredentialApi.status(service, active).path("phase").asText()).isEqualTo("ACTIVE");

        fleet.setOnline(staged, stagedLaggard, true);
        fleet.setOnline(active, activeLaggard, true);
        await().atMost(WAIT).untilAsserted(() -> {
            assertRetired(CredentialApi.status(service, staged), stagedRotation);
            assertRetired(CredentialApi.status(service, active), activeRotation);
        });
        for (String cluster : List.of(staged, active)) {
            assertThat(fleet.agents(cluster)).allSatisfy(a -> assertThat(a.client()).isEqualTo("virtgate-v2"));
            assertThat(fleet.rotated(cluster)).extracting(e -> e.version() + "/" + e.phase())
                    .containsSubsequence("2/STAGED", "2/ACTIVE", "2/RETIRED");
        }
        assertThat(fleet.violations()).isEmpty();
    }

    private static void assertHeld(JsonNode status, String phase, String laggard, int ackedVersion, String ackedPhase) {
        assertThat(status.path("version").asInt()).isEqualTo(2);
        assertThat(status.path("phase").asText()).isEqualTo(phase);
        assertThat(status.path("acknowledgedHosts")).hasSize(2);
        assertThat(status.path("laggards")).hasSize(1);
        JsonNode held = status.path("laggards").get(0);
        assertThat(held.path("hostId").asText()).isEqualTo(laggard);
        assertThat(held.path("ackedVersion").asInt()).isEqualTo(ackedVersion);
        assertThat(held.path("ackedPhase").asText()).isEqualTo(ackedPhase);
    }

    private static void assertRetired(JsonNode status, String rotationId) {
        assertThat(status.path("version").asInt()).isEqualTo(2);
        assertThat(status.path("rotationId").asText()).isEqualTo(rotationId);
        assertThat(status.path("phase").asText()).isEqualTo("RETIRED");
        assertThat(status.path("acknowledgedHosts")).hasSize(3);
        assertThat(status.path("laggards")).isEmpty();
    }
}
