package dev.virtgate.e2e;

import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.PrometheusText;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import dev.virtgate.testsupport.trust.TestKeys;
import dev.virtgate.testsupport.trust.TestProducer;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dashboard and the alerts ask only for what the services really export: the packaged
 * control-plane services run as their own processes on a real broker, a host is registered,
 * enrolled and reports a failing posture check, a forged report is refused; then every metric name
 * in every query of the Grafana dashboard and every alert rule must be among the samples some
 * service's {@code /q/metrics} shows.
 */
class DashboardMetricsIT {
    private static final List<ServiceProcess> services = new ArrayList<>();
    private static ServiceProcess migration;
    private static EventBus.Recorder bus;

    @BeforeAll
    static void startServices() {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.PKI));
        migration = start("migration-service", "virtgate_migration");
        start("pki-service", "virtgate_pki");
        start("credential-service", "virtgate_credential");
    }

    private static ServiceProcess start(String name, String database) {
        Map<String, String> env = new HashMap<>(ServiceProcess.standardEnv(database));
        env.put("VIRTGATE_METRICS_REFRESH_INTERVAL", "1s"); // the gauges read from the databases
        ServiceProcess service = ServiceProcess.start(name, env);
        services.add(service);
        return service;
    }

    @AfterAll
    static void stopServices() {
        services.forEach(ServiceProcess::stop);
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    void everyMetricTheDashboardAndTheAlertsQueryIsExported() throws Exception {
        Map<String, Set<String>> wanted = new TreeMap<>();
        MonitoringFiles.alertExpressions().forEach((alert, expr) -> MonitoringFiles.metricNames(expr)
                .forEach(name -> wanted.computeIfAbsent(name, n -> new TreeSet<>()).add("alert " + alert)));
        MonitoringFiles.dashboardExpressions().forEach((panel, expr) -> MonitoringFiles.metricNames(expr)
                .forEach(name -> wanted.computeIfAbsent(name, n -> new TreeSet<>()).add("panel " + panel)));
        assertThat(wanted).as("names found in the queries").hasSizeGreaterThanOrEqualTo(10);

        String cluster = "dash-" + UUID.randomUUID().toString().substring(0, 8);
        String hostId = cluster + "-h1";
        enrollAndReportAFailingCheck(cluster, hostId);
        TestProducer.withKey("/virtgate/host-agent/" + hostId, TestKeys.p256(), null)
                .publish(KafkaResource.bootstrapServers(), configured(cluster, hostId, "1f", CheckStatus.PASS));

        Map<String, String> missing = new TreeMap<>();
        try {
            Awaitility.await("every queried metric exported").atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofSeconds(1)).until(() -> {
                        Set<String> exported = new TreeSet<>();
                        services.forEach(s -> exported.addAll(scrape(s).names()));
                        missing.clear();
                        wanted.forEach((name, users) -> {
                            if (!exported.contains(name)) {
                                missing.put(name, String.join(", ", users));
                            }
                        });
                        return missing.isEmpty();
                    });
        } catch (ConditionTimeoutException e) {
            throw new AssertionError("queried but exported by no service: " + missing, e);
        }
        PrometheusText shown = scrape(migration);
        assertThat(shown.value("virtgate_host_posture_failing",
                Map.of("host", hostId, "cluster", cluster, "check", "unauthenticated-tcp-refused"))).contains(1.0);
    }

    /** As BusProofIT: registered through the API, enrolled with the token's proof, certified by pki-service. */
    private static void enrollAndReportAFailingCheck(String cluster, String hostId) throws Exception {
        String fqdn = hostId + ".lab.virtgate.test";
        Response created = Awaitility.await("POST /v1/hosts once the CA is published").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                        .contentType(ContentType.JSON)
                        .body(Map.of("hostId", hostId, "clusterId", cluster, "fqdn", fqdn,
                                "dnsNames", List.of(fqdn), "managementAddresses", List.of("10.99.0.8"),
                                "migrationAddresses", List.of()))
                        .post("/v1/hosts"), r -> r.statusCode() != 503);
        assertThat(created.statusCode()).as(created.asString()).isEqualTo(201);
        String token = created.path("enrollmentToken");
        SimulatedAgent.enroll(hostId, cluster, fqdn, "10.99.0.8", token).certified(bus, Duration.ofSeconds(60))
                .reportPosture(CheckStatus.FAIL);
    }

    private static HostConfigured configured(String cluster, String hostId, String serial, CheckStatus check) {
        return new HostConfigured(hostId, cluster, serial, Instant.now().plus(Duration.ofDays(30)), null, null,
                null, true, false, true, List.of(new PostureCheck("unauthenticated-tcp-refused", check, null)), null,
                Instant.now());
    }

    private static PrometheusText scrape(ServiceProcess service) {
        return PrometheusText.parse(given().get(service.url("/q/metrics")).then().statusCode(200).extract().asString());
    }
}
