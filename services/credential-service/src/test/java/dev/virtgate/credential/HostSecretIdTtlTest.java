package dev.virtgate.credential;

import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.KafkaResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static dev.virtgate.credential.Clusters.cluster;
import static dev.virtgate.credential.HostGrants.bao;
import static dev.virtgate.credential.HostGrants.grant;
import static dev.virtgate.credential.HostGrants.kvPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A host's secret-id stops logging in once its TTL ({@code approle.secret-id-ttl}, a few seconds
 * here) has passed, while the token the agent logged in with (periodic, renewed by the agent) keeps
 * working: the secret-id is for logging in after a grant, not the host's access itself. Real
 * OpenBao, Kafka and PostgreSQL (the test resources of CredentialServiceTest).
 */
@QuarkusTest
@TestProfile(HostSecretIdTtlTest.ShortSecretIds.class)
class HostSecretIdTtlTest {
    static SimulatedFleet fleet;

    public static class ShortSecretIds implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("virtgate.credential.approle.secret-id-ttl", "PT8S");
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

    @Test
    void anOldSecretIdStopsLoggingInAfterItsTtlWhileTheAgentsTokenLivesOn() throws Exception {
        String c = cluster("ttl");
        HostGrants.Granted access = grant(fleet, c, c + "-h1"); // logged in within the TTL
        assertThat(HostGrants.role(access.hostId()).path("secret_id_ttl").asLong()).isEqualTo(8);

        // looked up as the operator: polling with logins would spend its uses instead
        String lookup = HostGrants.JSON.writeValueAsString(Map.of("secret_id", access.secretId()));
        String path = "auth/approle/role/virtgate-host-" + access.hostId() + "/secret-id/lookup";
        assertThat(bao().call("POST", path, lookup).body()).contains("secret_id_accessor");
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                .until(() -> !bao().call("POST", path, lookup).body().contains("secret_id_accessor"));
        assertThat(access.logIn()).as("expired: an unknown secret-id").isEqualTo(400);
        assertThat(bao().call("POST", "auth/token/renew-self", "{}", access.token()).statusCode())
                .as("the agent's token is renewed on").isEqualTo(200);
        assertThat(bao().call("GET", kvPath(c), null, access.token()).statusCode()).isIn(200, 404);
    }
}
