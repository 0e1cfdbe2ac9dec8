package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.LogFields;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The packaged migration-service with {@code VIRTGATE_LOG_JSON=true}: every log line is one JSON
 * object, and an operator action's audit line carries the request id the caller sent.
 */
class JsonLogsIT {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern PLAIN_LINE = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} +(TRACE|DEBUG|INFO|WARN|ERROR) ");
    private static ServiceProcess migration;

    @BeforeAll
    static void start() {
        Map<String, String> env = ServiceProcess.standardEnv("virtgate_migration_jsonlogs");
        env.put("VIRTGATE_LOG_JSON", "true");
        migration = ServiceProcess.start("migration-service", env);
    }

    @AfterAll
    static void stop() {
        if (migration != null) {
            migration.stop();
        }
    }

    @Test
    void anOperatorActionIsLoggedAsJsonWithTheCallersRequestId() throws IOException {
        Response answer = putPolicy("json-logs-it.1");
        assertEquals(200, answer.statusCode(), answer.asString());
        assertEquals("json-logs-it.1", answer.header(LogFields.REQUEST_ID_HEADER));

        JsonNode audit = Awaitility.await("the policy.set audit line in " + migration.log())
                .atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200))
                .until(() -> auditLine("json-logs-it.1"), Optional::isPresent).orElseThrow();
        assertEquals("migration-service", audit.path("service").asText());
        assertEquals("virtgate.audit", audit.path("loggerName").asText());
        assertTrue(audit.path("message").asText().startsWith("policy.set by=alice"), audit.toString());

        List<String> lines = Files.readAllLines(migration.log());
        for (String line : lines) {
            assertTrue(!PLAIN_LINE.matcher(line).find(), "a plain-text log line with JSON logs on: " + line);
            if (line.startsWith("{")) {
                JSON.readTree(line); // each logger line is a whole JSON object
            }
        }
    }

    @Test
    void aRequestIdThatCouldForgeLogFieldsIsReplaced() {
        Response answer = putPolicy("evil\",\"level\":\"ERROR");
        assertEquals(200, answer.statusCode(), answer.asString());
        String id = answer.header(LogFields.REQUEST_ID_HEADER);
        assertNotEquals("evil\",\"level\":\"ERROR", id);
        assertTrue(id.matches("[0-9a-f-]{36}"), id);
    }

    private static Response putPolicy(String requestId) {
        return given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                .header(LogFields.REQUEST_ID_HEADER, requestId).contentType(ContentType.JSON)
                .body(Map.of("mode", "REQUIRE_TLS")).put("/v1/clusters/json-logs/policy");
    }

    private static Optional<JsonNode> auditLine(String requestId) throws IOException {
        List<JsonNode> found = new ArrayList<>();
        for (String line : Files.readAllLines(migration.log())) {
            if (line.startsWith("{") && line.contains(requestId)) {
                JsonNode node = JSON.readTree(line);
                if (requestId.equals(node.path(LogFields.REQUEST_ID).asText())
                        && node.path("message").asText().startsWith("policy.set")) {
                    found.add(node);
                }
            }
        }
        return found.stream().findFirst();
    }
}
