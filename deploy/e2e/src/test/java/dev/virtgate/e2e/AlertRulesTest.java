package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The shipped Prometheus files, checked by the real {@code promtool} (Debian's {@code prometheus}
 * package, which {@code ./virtgate install} brings in): the alert rules parse, every alert fires and
 * stays silent where {@code alerts.test.yml} says, the scrape config is valid, and every query of
 * the Grafana dashboard is valid PromQL.
 */
class AlertRulesTest {
    private static final String PROMTOOL = System.getenv().getOrDefault("VIRTGATE_PROMTOOL", "promtool");

    @Test
    void alertRulesPassPromtoolCheck() {
        promtool("check", "rules", MonitoringFiles.ALERTS.toString());
    }

    @Test
    void everyAlertFiresAndStaysSilentWherePromtoolTestsSay() {
        promtool("test", "rules", MonitoringFiles.ALERT_TESTS.toString());
    }

    @Test
    void everyAlertHasAFiringAndASilentCase() throws IOException {
        JsonNode tests = new ObjectMapper(new YAMLFactory()).readTree(MonitoringFiles.ALERT_TESTS.toFile());
        Set<String> fired = new HashSet<>();
        Set<String> silent = new HashSet<>();
        for (JsonNode test : tests.path("tests")) {
            for (JsonNode expectation : test.path("alert_rule_test")) {
                String alert = expectation.path("alertname").asText();
                (expectation.path("exp_alerts").isEmpty() ? silent : fired).add(alert);
            }
            // a series in a firing case that the expected alerts do not name is a silent case too
            if (test.path("input_series").size() > 1) {
                test.path("alert_rule_test").forEach(e -> silent.add(e.path("alertname").asText()));
            }
        }
        Set<String> alerts = MonitoringFiles.alertExpressions().keySet();
        assertThat(alerts).hasSizeGreaterThanOrEqualTo(5);
        assertThat(fired).as("alerts with a firing test").containsAll(alerts);
        assertThat(silent).as("alerts with a silent test").containsAll(alerts);
    }

    @Test
    void prometheusScrapeConfigPassesPromtoolCheck() {
        promtool("check", "config", MonitoringFiles.PROMETHEUS.toString());
    }

    /** Grafana's own variables replaced by durations, each query becomes a recording rule promtool parses. */
    @Test
    void everyDashboardQueryIsValidPromql(@TempDir Path dir) throws IOException {
        Map<String, String> queries = MonitoringFiles.dashboardExpressions();
        assertThat(queries).hasSizeGreaterThanOrEqualTo(8);
        List<Map<String, String>> rules = new ArrayList<>();
        int n = 0;
        for (String expr : queries.values()) {
            rules.add(Map.of("record", "dashboard:query_" + n++, "expr", expr.replace("$__rate_interval", "5m")
                    .replace("$__range", "1h").replace("$__interval", "1m")));
        }
        Path file = dir.resolve("dashboard-queries.yml");
        new ObjectMapper(new YAMLFactory()).writeValue(file.toFile(),
                Map.of("groups", List.of(Map.of("name", "dashboard", "rules", rules))));
        promtool("check", "rules", file.toString());
    }

    @Test
    void metricNamesAreTheIdentifiersThatAreNeitherFunctionsNorKeywordsNorLabels() {
        assertThat(MonitoringFiles.metricNames("histogram_quantile(0.95, sum by (le, mode) "
                + "(rate(virtgate_migration_duration_seconds_bucket{mode=~\"TLS.*\", x=\"a,b}\"}[$__rate_interval])))"))
                .containsExactly("virtgate_migration_duration_seconds_bucket");
        assertThat(MonitoringFiles.metricNames("(max by (cluster) (a_seconds) > 3600) and on (cluster) "
                + "(max by (cluster) (b) == 1) or vector(0) unless c offset 5m"))
                .containsExactly("a_seconds", "b", "c");
        assertThat(MonitoringFiles.metricNames("sum(rate(x_total[5m])) by (job) / ignoring(le) group_left(phase) y"))
                .containsExactly("x_total", "y");
        assertThat(MonitoringFiles.metricNames("min by (host) (expiry) < 7 * 24 * 3600 # a comment naming z\n"))
                .containsExactly("expiry");
    }

    private static String promtool(String... args) {
        List<String> command = new ArrayList<>();
        command.add(PROMTOOL);
        command.addAll(List.of(args));
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("promtool finished").isTrue();
            assertThat(process.exitValue()).as(String.join(" ", command) + ":\n" + output).isZero();
            return output;
        } catch (IOException e) {
            throw new AssertionError("cannot run " + PROMTOOL + " (Debian's prometheus package; ./virtgate install "
                    + "brings it in): " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }
}
