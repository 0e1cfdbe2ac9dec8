package dev.virtgate.credential;

import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.trust.TrustResource;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.PrometheusText;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** What /q/metrics shows of each cluster's rotation and of the events this service refused. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, restrictToAnnotatedClass = false,
        initArgs = @ResourceArg(name = "database", value = "virtgate_credential"))
@QuarkusTestResource(value = TrustResource.class, restrictToAnnotatedClass = false)
class MetricsTest {
    private static final String PHASE = "virtgate_credential_rotation_phase";
    private static final String IN_PROGRESS = "virtgate_credential_rotation_in_progress";
    private static final String AGE = "virtgate_credential_rotation_phase_age_seconds";
    static SimulatedFleet fleet;

    @BeforeAll
    static void start() {
        fleet = new SimulatedFleet(KafkaResource.bootstrapServers(), true);
    }

    @AfterAll
    static void stop() {
        fleet.close();
    }

    @Test
    void aRotationWaitingForAnOfflineHostShowsItsPhaseAndHowLongItHasBeenThere() {
        String c = Clusters.cluster("metrics");
        List<String> hosts = Clusters.settledCluster(fleet, c, 2);
        awaitScrape("v1 ACTIVE, no rotation", s -> phase(s, c, "ACTIVE") == 1 && phase(s, c, "STAGED") == 0
                && s.value(IN_PROGRESS, Map.of("cluster", c)).orElse(-1.0) == 0);

        fleet.setOnline(c, hosts.get(1), false);
        Clusters.rotate(c);
        PrometheusText staged = awaitScrape("STAGED while a host is offline", s -> phase(s, c, "STAGED") == 1
                && phase(s, c, "ACTIVE") == 0 && phase(s, c, "RETIRED") == 0
                && s.value(IN_PROGRESS, Map.of("cluster", c)).orElse(-1.0) == 1);
        double age = staged.value(AGE, Map.of("cluster", c)).orElseThrow();
        assertThat(age).isNotNegative().isLessThan(60);
        Awaitility.await("the age grows while the phase lasts").atMost(Duration.ofSeconds(10))
                .until(() -> scrape().value(AGE, Map.of("cluster", c)).orElseThrow() > age + 1);

        fleet.setOnline(c, hosts.get(1), true);
        awaitScrape("RETIRED once every host followed", s -> phase(s, c, "RETIRED") == 1 && phase(s, c, "STAGED") == 0
                && s.value(IN_PROGRESS, Map.of("cluster", c)).orElse(-1.0) == 0);
    }

    @Test
    void aMalformedReportIsCountedAsInvalid() {
        String c = Clusters.cluster("metrics-dlq");
        Clusters.settledCluster(fleet, c, 1);
        Map<String, String> labels = Map.of("type", "virtgate.host.configured.v1", "reason", "invalid");
        double before = scrape().value("virtgate_events_refused_total", labels).orElse(0.0);

        HostConfigured template = new HostConfigured(c + "-h0", c, null, null, "rot", 1, CredentialPhase.ACTIVE,
                true, true, true, List.of(), null, Instant.now());
        fleet.send(template, "{\"hostId\":\"x\",\"credentialVersion\":\"seven\"}".getBytes(StandardCharsets.UTF_8));
        fleet.flush();

        awaitScrape("counted", s -> s.value("virtgate_events_refused_total", labels).orElse(0.0) == before + 1);
    }

    @Test
    void outboxLagIsExported() {
        PrometheusText metrics = scrape();
        assertThat(metrics.value("virtgate_outbox_unsent", Map.of())).isPresent();
        assertThat(metrics.value("virtgate_outbox_lag_seconds", Map.of())).isPresent();
    }

    private static double phase(PrometheusText metrics, String cluster, String phase) {
        return metrics.value(PHASE, Map.of("cluster", cluster, "phase", phase)).orElse(-1.0);
    }

    static PrometheusText scrape() {
        return PrometheusText.parse(given().get("/q/metrics").then().statusCode(200).extract().asString());
    }

    static PrometheusText awaitScrape(String what, Predicate<PrometheusText> condition) {
        return Awaitility.await(what).atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(MetricsTest::scrape, condition);
    }
}
