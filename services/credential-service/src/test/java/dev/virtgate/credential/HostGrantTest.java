package dev.virtgate.credential;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.KafkaResource;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.virtgate.credential.openbao.OpenBaoClient;
import dev.virtgate.credential.repository.HostMemberRepository;
import dev.virtgate.credential.service.HostAccessService;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.inject.Inject;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Phaser;
import java.util.concurrent.TimeUnit;

import static dev.virtgate.credential.Clusters.cluster;
import static dev.virtgate.credential.HostGrants.bao;
import static dev.virtgate.credential.HostGrants.grant;
import static dev.virtgate.credential.HostGrants.kvPath;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A host's AppRole with the service's default settings, on real OpenBao, Kafka and PostgreSQL (the
 * test resources of CredentialServiceTest): its secret-ids expire and allow a few logins, its tokens
 * are periodic, and a new grant for the host (it enrolled again: a new key) destroys the secret-ids
 * of its earlier grants at once.
 */
@QuarkusTest
class HostGrantTest {
    static SimulatedFleet fleet;

    @Inject
    HostAccessService access;

    @Inject
    HostMemberRepository hosts;

    @Inject
    OpenBaoClient openBao;

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
        // the after-commit follow-up and the reconciler's timer may both have granted this enrollment: the
        // one that did not announce destroys its own secret-id, so only the announced one is left
        String firstGrant = HostGrants.grantOf(host, first.secretId());
        assertThat(firstGrant).isNotBlank();
        await().atMost(Clusters.WAIT).untilAsserted(() -> assertThat(HostGrants.secretIdAccessors(host))
                .singleElement().satisfies(accessor ->
                        assertThat(HostGrants.grantOfAccessor(host, accessor)).isEqualTo(firstGrant)));

        HostGrants.Granted second = grant(fleet, c, host); // registered anew, a new key enrolled, granted
        // destroyed before the new grant was announced: no waiting (its 30-day TTL is far away)
        assertThat(first.logIn()).as("the earlier secret-id no longer logs in").isEqualTo(400);
        // exactly the announced secret-id of the new enrollment is left
        String newGrant = HostGrants.grantOf(host, second.secretId());
        assertThat(newGrant).isNotBlank();
        await().atMost(Clusters.WAIT).untilAsserted(() -> assertThat(HostGrants.secretIdAccessors(host))
                .singleElement().satisfies(accessor -> assertThat(HostGrants.grantOfAccessor(host, accessor))
                        .as("only the new grant's secret-id is left").isEqualTo(newGrant)));
        assertThat(second.logIn()).isEqualTo(200);
        assertThat(second.roleId()).as("the same role, a new secret-id").isEqualTo(first.roleId());
    }

    @Test
    void grantsOfOneEnrollmentRacingLeaveOnlyTheAnnouncedSecretIds() throws Exception {
        String c = cluster("race");
        String host = c + "-h1";
        HostGrants.Granted first = grant(fleet, c, host);
        int announcedBefore = fleet.grants(host).size();
        String csr = first.csrPem();
        // the same enrollment pending again, granted by four callers at once (as the after-commit
        // follow-up and the reconciler's timer do): one announces, the others destroy their secret-ids
        QuarkusTransaction.requiringNew().run(() -> hosts.findById(host).pendingGrantCsrPem = csr);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            CyclicBarrier together = new CyclicBarrier(4);
            List<Future<?>> calls = new ArrayList<>();
            for (int i = 0; i < 4; i++) {
                calls.add(pool.submit(() -> {
                    together.await();
                    access.grant(host);
                    return null;
                }));
            }
            for (Future<?> call : calls) {
                call.get(60, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        fleet.flush();
        await().atMost(Clusters.WAIT).until(() -> fleet.grants(host).size() == announcedBefore + 1);
        // the first grant's secret-id and the one announced now: nothing that nobody holds
        assertThat(HostGrants.secretIdAccessors(host)).as("secret-ids of the role").hasSize(2);
        assertThat(first.logIn()).as("the first grant's secret-id (same enrollment) still logs in").isEqualTo(200);
    }

    @Test
    void concurrentWritesOfOneHostRoleAllSucceed() throws Exception {
        // OpenBao answers a write that lost a race in its transactional storage with 500 "transaction
        // commit failed" (about one in a hundred of these writes on this machine); racing grants of one
        // host write its role at the same time, and such a loss must not fail a grant
        String role = HostAccessService.roleName(cluster("conflict") + "-h1");
        Map<String, Object> settings = access.roleSettings(role);
        Queue<RuntimeException> failures = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(8);
        try {
            Phaser rounds = new Phaser(8); // a writer that stops deregisters: the others go on
            List<Future<?>> writers = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                writers.add(pool.submit(() -> {
                    try {
                        for (int round = 0; round < 60 && failures.isEmpty(); round++) {
                            rounds.arriveAndAwaitAdvance();
                            openBao.writeAppRole(role, settings);
                        }
                    } catch (RuntimeException e) {
                        failures.add(e);
                    } finally {
                        rounds.arriveAndDeregister();
                    }
                }));
            }
            for (Future<?> writer : writers) {
                writer.get(120, TimeUnit.SECONDS);
            }
            assertThat(failures).as("writes of the role that failed").isEmpty();
        } finally {
            pool.shutdownNow();
            openBao.deleteAppRole(role);
        }
    }
}
