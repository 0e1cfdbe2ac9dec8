package dev.virtgate.credential;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.KafkaResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static dev.virtgate.credential.Clusters.cluster;
import static dev.virtgate.credential.HostGrants.bao;
import static dev.virtgate.credential.HostGrants.grant;
import static dev.virtgate.credential.HostGrants.kvPath;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A host's AppRole with the service's default settings, on real OpenBao, Kafka and PostgreSQL (the
 * test resources of CredentialServiceTest): its secret-ids expire and allow a few logins, its tokens
 * are periodic, and a new grant for the host (it enrolled again: a new key) destroys the secret-ids
 * of its earlier grants at once.
 */
@QuarkusTest
class HostGrantTest {
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
    void theHostRoleHasExpiringSecretIdsWithFewLoginsAndPeriodicTokens() throws Exception {
        String c = cluster("role");
        HostGrants.Granted access = grant(fleet, c, c + "-h1");
        JsonNode role = HostGrants.role(access.hostId());
        assertThat(role.path("secret_id_ttl").asLong()).isEqualTo(Duration.ofDays(30).toSeconds());
        assertThat(role.path("secret_id_num_uses").asInt()).isEqualTo(10);
        assertThat(role.path("token_period").asLong()).isEqualTo(Duration.ofHours(72).toSeconds());
        assertThat(role.path("bind_secret_id").asBoolean()).isTrue();
        assertThat(role.path("token_policies")).hasSize(1);
        assertThat(role.path("token_policies").get(0).asText()).isEqualTo("virtgate-host-" + access.hostId());

        // the first login was the agent's; nine more, then the secret-id is used up
        for (int login = 2; login <= 10; login++) {
            assertThat(access.logIn()).as("login %d", login).isEqualTo(200);
        }
        assertThat(access.logIn()).as("an eleventh login").isEqualTo(400);
        assertThat(bao().call("GET", kvPath(c), null, access.token()).statusCode())
                .as("the token the agent keeps still reads its cluster's credential").isIn(200, 404);
    }

    @Test
    void aNewGrantDestroysTheHostsEarlierSecretIds() throws Exception {
        String c = cluster("regrant");
        String host = c + "-h1";
        HostGrants.Granted first = grant(fleet, c, host);
        // the after-commit follow-up and the reconciler's timer may both have granted this enrollment: one
        // announced its secret-id, the other's was never announced; both answer the first enrollment
        String firstGrant = HostGrants.grantOf(host, first.secretId());
        assertThat(firstGrant).isNotBlank();
        assertThat(HostGrants.secretIdAccessors(host)).isNotEmpty().allSatisfy(accessor ->
                assertThat(HostGrants.grantOfAccessor(host, accessor)).isEqualTo(firstGrant));

        HostGrants.Granted second = grant(fleet, c, host); // registered anew, a new key enrolled, granted
        // destroyed before the new grant was announced: no waiting (its 30-day TTL is far away)
        assertThat(first.logIn()).as("the earlier secret-id no longer logs in").isEqualTo(400);
        // every secret-id left answers the new enrollment (a grant of the same enrollment running at the
        // same moment may keep its own until the next one)
        String newGrant = HostGrants.grantOf(host, second.secretId());
        assertThat(newGrant).isNotBlank();
        List<String> accessors = HostGrants.secretIdAccessors(host);
        assertThat(accessors).as("the new grant's secret-id is left").isNotEmpty();
        for (String accessor : accessors) {
            assertThat(HostGrants.grantOfAccessor(host, accessor)).as("only the new grant's secret-ids are left")
                    .isEqualTo(newGrant);
        }
        assertThat(second.logIn()).isEqualTo(200);
        assertThat(second.roleId()).as("the same role, a new secret-id").isEqualTo(first.roleId());
    }
}
