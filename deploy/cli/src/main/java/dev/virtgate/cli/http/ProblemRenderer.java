package dev.virtgate.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.config.Credentials;
import dev.virtgate.cli.config.Service;

/**
 * Turns an error answer into what an operator reads: the problem's title and detail, then one line
 * per invalid parameter. 401 says how to get a token; a body that is not problem+json is cut short.
 */
public final class ProblemRenderer {
    private static final int MAX_RAW = 200;

    private ProblemRenderer() {
    }

    public static String render(Service service, int status, JsonNode problem, String rawBody) {
        if (status == 401) {
            return service.serviceName() + " refused the credentials (401): the token is missing, expired or not "
                    + "signed by this stack's key; " + Credentials.HOW_TO_GET_ONE;
        }
        StringBuilder out = new StringBuilder(service.serviceName()).append(": ");
        if (problem != null && problem.isObject() && (problem.hasNonNull("title") || problem.hasNonNull("detail"))) {
            String title = text(problem, "title");
            String detail = text(problem, "detail");
            out.append(title != null ? title : "error").append(" (").append(status).append(")");
            if (detail != null && !detail.equals(title)) {
                out.append(": ").append(detail);
            }
            JsonNode params = problem.get("invalidParams");
            if (params != null && params.isArray()) {
                for (JsonNode p : params) {
                    out.append("\n  ").append(text(p, "name")).append(": ").append(text(p, "reason"));
                }
            }
            return out.toString();
        }
        out.append("HTTP ").append(status).append(status == 403 ? " (forbidden: this role may not do that)" : "");
        String body = rawBody == null ? "" : rawBody.strip().replaceAll("\\s+", " ");
        if (!body.isEmpty()) {
            out.append(": ").append(body.length() > MAX_RAW ? body.substring(0, MAX_RAW) + "..." : body);
        }
        return out.toString();
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }
}
