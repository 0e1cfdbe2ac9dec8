package dev.virtgate.migration;

import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.KafkaServer;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Commands accepted while the broker is down (a migration, then its cancel) arrive after it comes back,
 * each as one event: nothing lost, nothing duplicated once consumers drop a repeated ce_id.
 */
@QuarkusTest
class BrokerRestartTest {
    static final String REQUESTED = "virtgate.migration.requested.v1";
    static final String CANCEL = "virtgate.migration.cancel-requested.v1";

    @Test
    void outboxSurvivesABrokerRestartWithoutLossOrDuplicate() {
        Fleet.Host a = Fleet.register("restart-c");
        Fleet.Host b = Fleet.register("restart-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);

        KafkaServer.shared().stop();
        String id;
        try {
            id = Fleet.operator().body(Fleet.migration("vm-restart", a, b)).post("/v1/migrations").then()
                    .statusCode(202).extract().path("id");
            // Let the relay try (and fail) more than once while the broker is away.
            Awaitility.await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> true);
            Fleet.operator().delete("/v1/migrations/" + id).then().statusCode(202);
            Awaitility.await().pollDelay(Duration.ofSeconds(6)).atMost(Duration.ofSeconds(10)).until(() -> true);
        } finally {
            KafkaServer.shared().start();
        }
        MigrationApiTest.awaitCommand(id, CANCEL);
        String migrationId = id;
        Awaitility.await("one event of each command").during(Duration.ofSeconds(10))
                .atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofSeconds(1))
                .until(() -> eventIdsByType(migrationId), ids -> ids.keySet().equals(Set.of(REQUESTED, CANCEL))
                        && ids.values().stream().allMatch(one -> one.size() == 1));
    }

    /**
     * The migration's commands on the bus: per ce_type, the distinct ce_ids. A record the relay had to send
     * again after a failed batch carries the same ce_id, which every consumer drops.
     */
    private static Map<String, Set<String>> eventIdsByType(String migrationId) {
        return Bus.read(Topics.MIGRATION_COMMANDS, r -> Bus.text(r).contains("\"" + migrationId + "\"")).stream()
                .collect(Collectors.groupingBy(Bus::ceType,
                        Collectors.mapping(r -> Bus.headers(r).get("ce_id"), Collectors.toSet())));
    }
}
