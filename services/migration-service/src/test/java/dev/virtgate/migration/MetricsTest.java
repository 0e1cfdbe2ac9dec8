package dev.virtgate.migration;

import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.testsupport.PrometheusText;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** What /q/metrics shows after migrations, posture reports and refused events, with the labels alerts need. */
@QuarkusTest
class MetricsTest {
    private static final String POSTURE = "virtgate_host_posture_failing";
    private static final String CHECK = "unauthenticated-tcp-refused";

    @Test
    void migrationsAreCountedByModeAndResultAndCompletedOnesTimed() {
        Fleet.Host a = Fleet.register("metrics-m");
        Fleet.Host b = Fleet.register("metrics-m");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        PrometheusText before = scrape();
        assertThat(before.value("virtgate_migrations_total", Map.of("mode", "TLS_NATIVE", "result", "completed")))
                .as("every mode/result series exists from the start").isPresent();
        for (MigrationMode mode : MigrationMode.values()) {
            assertThat(before.value("virtgate_migrations_total", Map.of("mode", mode.name(), "result", "requested")))
                    .as(mode + " requested").isPresent();
        }

        String done = Fleet.operator().body(Fleet.migration("vm-metrics-1", a, b)).post("/v1/migrations").then()
                .statusCode(202).body("mode", org.hamcrest.Matchers.is("TLS_NATIVE")).extract().path("id");
        Bus.publish(a.agent().producer(), new MigrationCompleted(done, "vm-metrics-1", a.id(), b.id(),
                MigrationMode.TLS_NATIVE, 2600, 2400L, 37L, 1_050_000L, 437_500L));
        MigrationApiTest.awaitState(done, "COMPLETED");
        String failed = Fleet.operator().body(Fleet.migration("vm-metrics-2", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        Bus.publish(a.agent().producer(), new MigrationFailed(failed, "vm-metrics-2", a.id(), b.id(), "libvirt refused",
                null, 45, false));
        MigrationApiTest.awaitState(failed, "FAILED");

        PrometheusText after = scrape();
        assertThat(delta(before, after, "virtgate_migrations_total", Map.of("mode", "TLS_NATIVE", "result", "requested")))
                .isEqualTo(2);
        assertThat(delta(before, after, "virtgate_migrations_total", Map.of("mode", "TLS_NATIVE", "result", "completed")))
                .isEqualTo(1);
        assertThat(delta(before, after, "virtgate_migrations_total", Map.of("mode", "TLS_NATIVE", "result", "failed")))
                .isEqualTo(1);
        Map<String, String> nativeTls = Map.of("mode", "TLS_NATIVE");
        assertThat(delta(before, after, "virtgate_migration_duration_seconds_count", nativeTls)).isEqualTo(1);
        assertThat(delta(before, after, "virtgate_migration_duration_seconds_sum", nativeTls)).isCloseTo(2.6, within(1e-6));
        assertThat(delta(before, after, "virtgate_migration_duration_seconds_bucket",
                Map.of("mode", "TLS_NATIVE", "le", "5.0"))).as("2.6 s falls in the 5 s bucket").isEqualTo(1);
        assertThat(delta(before, after, "virtgate_migration_duration_seconds_bucket",
                Map.of("mode", "TLS_NATIVE", "le", "1.0"))).isZero();
    }

    @Test
    void anInsecureMigrationIsCountedWithItsClusterAndTheOpenWindow() {
        Fleet.Host a = Fleet.register("metrics-upg");
        Fleet.Host legacy = Fleet.register("metrics-upg");
        Fleet.makeTlsReady(a, true);
        Map<String, String> open = Map.of("cluster", "metrics-upg", "mode", "INSECURE", "window", "open");
        awaitScrape("zero series for a cluster with hosts", s -> s.value("virtgate_migrations_insecure_total", open)
                .orElse(-1.0) == 0);
        Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW", "windowExpiresAt",
                Instant.now().plus(Duration.ofHours(2)).toString())).put("/v1/clusters/metrics-upg/policy").then()
                .statusCode(200);

        Fleet.operator().body(Fleet.migration("vm-metrics-insecure", a, legacy)).post("/v1/migrations").then()
                .statusCode(202).body("mode", org.hamcrest.Matchers.is("INSECURE"));

        PrometheusText after = scrape();
        assertThat(after.value("virtgate_migrations_insecure_total", open)).contains(1.0);
        assertThat(after.value("virtgate_migrations_insecure_total",
                Map.of("cluster", "metrics-upg", "mode", "INSECURE", "window", "closed"))).contains(0.0);
    }

    @Test
    void aFailingPostureCheckIsOneUntilItPassesAndADecommissionedHostDropsItsSeries() {
        Fleet.Host host = Fleet.register("metrics-p");
        Fleet.makeTlsReady(host, true);
        Map<String, String> labels = Map.of("host", host.id(), "cluster", "metrics-p", "check", CHECK);
        awaitScrape("passing check at 0", s -> s.value(POSTURE, labels).orElse(-1.0) == 0);

        Fleet.configured(host, host.agent().serial(), true, true, true, CheckStatus.FAIL);
        awaitScrape("failing check at 1", s -> s.value(POSTURE, labels).orElse(-1.0) == 1);

        Fleet.configured(host, host.agent().serial(), true, true, true, CheckStatus.PASS);
        awaitScrape("passing again", s -> s.value(POSTURE, labels).orElse(-1.0) == 0);

        Fleet.configured(host, host.agent().serial(), true, true, true, CheckStatus.FAIL);
        awaitScrape("failing again", s -> s.value(POSTURE, labels).orElse(-1.0) == 1);
        Fleet.operator().delete("/v1/hosts/" + host.id()).then().statusCode(org.hamcrest.Matchers.lessThan(300));
        awaitScrape("series gone with the host", s -> s.find(POSTURE, Map.of("host", host.id())).isEmpty());
    }

    @Test
    void refusedEventsAreCountedByTypeAndReason() {
        Fleet.Host a = Fleet.register("metrics-r");
        Fleet.Host b = Fleet.register("metrics-r");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String id = Fleet.operator().body(Fleet.migration("vm-metrics-r", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        Map<String, String> state = Map.of("type", "virtgate.migration.failed.v1", "reason", "state");
        Map<String, String> untrusted = Map.of("type", "virtgate.host.configured.v1", "reason", "untrusted");
        PrometheusText before = scrape();

        // b signs a failure of a's migration naming itself as source: authentic, but not its migration
        Bus.publish(b.agent().producer(), new MigrationFailed(id, "vm-metrics-r", b.id(), a.id(), "forged", null, 1,
                false));
        // pki-service may not report a host's posture
        Bus.publish(TestTrust.pki(), Fleet.report(a, a.agent().serial(), true, true, true, CheckStatus.PASS,
                Instant.now()));

        awaitScrape("both refusals counted", s -> delta(before, s, "virtgate_events_refused_total", state) == 1
                && delta(before, s, "virtgate_events_refused_total", untrusted) == 1);
    }

    @Test
    void outboxLagIsExported() {
        PrometheusText metrics = scrape();
        assertThat(metrics.value("virtgate_outbox_unsent", Map.of())).hasValueSatisfying(v -> assertThat(v).isNotNegative());
        assertThat(metrics.value("virtgate_outbox_lag_seconds", Map.of())).hasValueSatisfying(
                v -> assertThat(v).isNotNegative());
    }

    static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    static void awaitScrape(String what, Predicate<PrometheusText> condition) {
        Awaitility.await(what).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(200))
                .until(MetricsTest::scrape, condition);
    }

    static double delta(PrometheusText before, PrometheusText after, String name, Map<String, String> labels) {
        return after.value(name, labels).orElse(0.0) - before.value(name, labels).orElse(0.0);
    }
}
