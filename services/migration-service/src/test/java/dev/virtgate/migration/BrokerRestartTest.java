package dev.virtgate.migration;

import dev.virtgate.testsupport.KafkaServer;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

/** A command accepted while the broker is down arrives exactly once after it comes back. */
@QuarkusTest
class BrokerRestartTest {

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
            Awaitility.await().pollDelay(Duration.ofSeconds(12)).atMost(Duration.ofSeconds(20)).until(() -> true);
        } finally {
            KafkaServer.shared().start();
        }
        MigrationApiTest.awaitCommand(id, "virtgate.migration.requested.v1");
        String migrationId = id;
        Awaitility.await("exactly one MigrationRequested").during(Duration.ofSeconds(10))
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofSeconds(1))
                .until(() -> MigrationApiTest.commands(migrationId, "virtgate.migration.requested.v1").size() == 1);
        assertThat(MigrationApiTest.commands(id, "virtgate.migration.requested.v1")).hasSize(1);
    }
}
