package dev.virtgate.migration;

import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.support.inbox.ProcessedEvent;
import dev.virtgate.testsupport.trust.TestProducer;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** GET /v1/migrations/{id} shows the source agent's latest signed job statistics; a late, older one never wins. */
@QuarkusTest
class MigrationProgressTest {

    @Test
    void getShowsTheLatestProgressAndALateOlderReportDoesNotWin() {
        Fleet.Host a = Fleet.register("progress-c");
        Fleet.Host b = Fleet.register("progress-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String id = Fleet.operator().body(Fleet.migration("vm-progress", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        assertThat(get(id).getMap("progress")).isNull();

        Bus.publish(a.agent().producer(), new MigrationProgress(id, a.id(), 1000, 1_000_000, 100_000, 900_000,
                50_000_000));
        JsonPath first = awaitProcessed(id, 100_000);
        assertThat(first.getString("state")).isEqualTo("RUNNING");
        assertThat(first.getInt("progress.percent")).isEqualTo(10);
        assertThat(first.getLong("progress.bytesTotal")).isEqualTo(1_000_000);
        assertThat(first.getLong("progress.bytesRemaining")).isEqualTo(900_000);
        assertThat(first.getLong("progress.rateBytesPerSecond")).isEqualTo(50_000_000);
        assertThat(first.getLong("progress.elapsedMs")).isEqualTo(1000);
        assertThat(first.getMap("progress")).doesNotContainKey("downtimeMs");

        Bus.publish(a.agent().producer(), new MigrationProgress(id, a.id(), 2000, 1_000_000, 400_000, 600_000,
                60_000_000));
        JsonPath second = awaitProcessed(id, 400_000);
        assertThat(second.getInt("progress.percent")).isEqualTo(40);
        assertThat(Instant.parse(second.getString("progress.updatedAt")))
                .isAfterOrEqualTo(Instant.parse(first.getString("progress.updatedAt")));

        // The report of second 1.5 arrives after the one of second 2: consumed, and ignored.
        TestProducer.Signed late = Bus.publish(a.agent().producer(), new MigrationProgress(id, a.id(), 1500,
                1_000_000, 250_000, 750_000, 55_000_000));
        awaitConsumed(late);
        JsonPath afterLate = get(id);
        assertThat(afterLate.getLong("progress.bytesProcessed")).isEqualTo(400_000);
        assertThat(afterLate.getLong("progress.elapsedMs")).isEqualTo(2000);
        assertThat(afterLate.getLong("progress.rateBytesPerSecond")).isEqualTo(60_000_000);
        assertThat(afterLate.getString("progress.updatedAt")).isEqualTo(second.getString("progress.updatedAt"));

        Bus.publish(a.agent().producer(), new MigrationCompleted(id, "vm-progress", a.id(), b.id(),
                MigrationMode.TLS_NATIVE, 2600, 2400L, 37L, 1_050_000L, 437_500L));
        MigrationApiTest.awaitState(id, "COMPLETED");
        JsonPath done = get(id);
        assertThat(done.getInt("progress.percent")).isEqualTo(100);
        assertThat(done.getLong("progress.downtimeMs")).isEqualTo(37);
        assertThat(done.getLong("progress.bytesProcessed")).isEqualTo(1_050_000);
        assertThat(done.getLong("progress.bytesRemaining")).isZero();
        assertThat(done.getLong("progress.rateBytesPerSecond")).isEqualTo(437_500);

        // A progress report that comes after the completion changes nothing either.
        awaitConsumed(Bus.publish(a.agent().producer(), new MigrationProgress(id, a.id(), 2500, 1_000_000, 990_000,
                10_000, 60_000_000)));
        assertThat(get(id).getMap("progress")).isEqualTo(done.getMap("progress"));
    }

    static JsonPath get(String id) {
        return Fleet.viewer().get("/v1/migrations/" + id).then().statusCode(200).extract().jsonPath();
    }

    static JsonPath awaitProcessed(String id, long bytes) {
        return Awaitility.await(id + " at " + bytes + " bytes").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> get(id), j -> j.get("progress.bytesProcessed") != null
                        && j.getLong("progress.bytesProcessed") == bytes);
    }

    /** The consumer committed this event (its processed-event row), whatever it made of it. */
    static void awaitConsumed(TestProducer.Signed signed) {
        Awaitility.await("consumed " + signed.envelope().id()).atMost(Duration.ofSeconds(30))
                .pollInSameThread() // the test's request context, for Panache
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ProcessedEvent.count("id like ?1", "%:results-in/" + signed.envelope().id()) == 1);
    }
}
