package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.virtgate.testsupport.Workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The shipped monitoring files ({@code deploy/monitoring}) and the metric names their PromQL uses.
 * The PromQL reading is deliberately small but exact for what matters: a metric name is an
 * identifier that is not a function or aggregation (followed by {@code (}), not a keyword, not a
 * label name (inside {@code {...}} or the label list after by/without/on/ignoring/group_left/
 * group_right), and not part of a string, a duration or a Grafana variable.
 */
final class MonitoringFiles {
    static final Path DIR = Workspace.repositoryRoot().resolve("deploy/monitoring");
    static final Path ALERTS = DIR.resolve("prometheus/alerts.yml");
    static final Path ALERT_TESTS = DIR.resolve("prometheus/alerts.test.yml");
    static final Path PROMETHEUS = DIR.resolve("prometheus/prometheus.yml");
    static final Path DASHBOARD = DIR.resolve("grafana/virtgate-dashboard.json");

    private static final Set<String> KEYWORDS = Set.of("by", "without", "on", "ignoring", "group_left", "group_right",
            "and", "or", "unless", "bool", "offset", "atan2", "inf", "nan",
            "sum", "min", "max", "avg", "count", "stddev", "stdvar", "topk", "bottomk", "quantile", "count_values",
            "group", "limitk", "limit_ratio");
    private static final Set<String> LABEL_LISTS = Set.of("by", "without", "on", "ignoring", "group_left",
            "group_right");

    /** Alert name -> expression. */
    static Map<String, String> alertExpressions() {
        Map<String, String> exprs = new LinkedHashMap<>();
        for (JsonNode group : read(ALERTS, new ObjectMapper(new YAMLFactory())).path("groups")) {
            for (JsonNode rule : group.path("rules")) {
                exprs.put(rule.path("alert").asText(rule.path("record").asText()), rule.path("expr").asText());
            }
        }
        return exprs;
    }

    /** "panel title / refId" -> expression, for every target of every panel (rows included). */
    static Map<String, String> dashboardExpressions() {
        Map<String, String> exprs = new LinkedHashMap<>();
        collect(read(DASHBOARD, new ObjectMapper()).path("panels"), exprs);
        return exprs;
    }

    private static void collect(JsonNode panels, Map<String, String> exprs) {
        for (JsonNode panel : panels) {
            for (JsonNode target : panel.path("targets")) {
                if (target.hasNonNull("expr")) {
                    exprs.put(panel.path("title").asText() + " / " + target.path("refId").asText(),
                            target.path("expr").asText());
                }
            }
            collect(panel.path("panels"), exprs);
        }
    }

    /** The metric names an expression selects. */
    static Set<String> metricNames(String promql) {
        String s = promql;
        Set<String> names = new TreeSet<>();
        int i = 0;
        boolean labelListNext = false;
        while (i < s.length()) {
            char c = s.charAt(i);
            if (c == '"' || c == '\'' || c == '`') {
                i = skipString(s, i);
            } else if (c == '#') {
                i = s.indexOf('\n', i) < 0 ? s.length() : s.indexOf('\n', i);
            } else if (c == '{') {
                i = close(s, i, '{', '}');
            } else if (c == '[') {
                i = close(s, i, '[', ']');
            } else if (c == '(' && labelListNext) {
                i = close(s, i, '(', ')');
                labelListNext = false;
            } else if (c == '$') {
                i = skipWord(s, i + 1);
            } else if (Character.isDigit(c) || (c == '.' && i + 1 < s.length() && Character.isDigit(s.charAt(i + 1)))) {
                i = skipWord(s, i); // numbers and durations: 5m, 1e3, 0x1f
            } else if (Character.isLetter(c) || c == '_' || c == ':') {
                int end = skipWord(s, i);
                String word = s.substring(i, end);
                int next = end;
                while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                    next++;
                }
                boolean call = next < s.length() && s.charAt(next) == '(';
                String lower = word.toLowerCase(java.util.Locale.ROOT);
                if (LABEL_LISTS.contains(lower)) {
                    labelListNext = true; // group_left/group_right may also stand without a list
                } else if (!call && !KEYWORDS.contains(lower)) {
                    names.add(word);
                }
                i = end;
                continue;
            } else if (!Character.isWhitespace(c)) {
                labelListNext = false;
                i++;
                continue;
            } else {
                i++;
                continue;
            }
        }
        return names;
    }

    private static int skipWord(String s, int i) {
        while (i < s.length() && (Character.isLetterOrDigit(s.charAt(i)) || s.charAt(i) == '_' || s.charAt(i) == ':'
                || s.charAt(i) == '.')) {
            i++;
        }
        return i;
    }

    private static int skipString(String s, int i) {
        char quote = s.charAt(i);
        for (int j = i + 1; j < s.length(); j++) {
            if (s.charAt(j) == '\\' && quote != '`') {
                j++;
            } else if (s.charAt(j) == quote) {
                return j + 1;
            }
        }
        throw new IllegalArgumentException("unterminated string in " + s);
    }

    /** Past the bracket that closes the one at {@code i}, skipping strings inside. */
    private static int close(String s, int i, char open, char close) {
        int depth = 0;
        for (int j = i; j < s.length(); j++) {
            char c = s.charAt(j);
            if (c == '"' || c == '\'' || c == '`') {
                j = skipString(s, j) - 1;
            } else if (c == open) {
                depth++;
            } else if (c == close && --depth == 0) {
                return j + 1;
            }
        }
        throw new IllegalArgumentException("unbalanced " + open + " in " + s);
    }

    static List<String> all(Map<String, String> exprs) {
        return new ArrayList<>(exprs.values());
    }

    private static JsonNode read(Path file, ObjectMapper mapper) {
        try {
            return mapper.readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private MonitoringFiles() {
    }
}
