package dev.virtgate.migration;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.migration.rest.RegisterHostRequest;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The served OpenAPI document describes every refusal as problem+json, the constraints enforced, typed views. */
@QuarkusTest
class OpenApiTest {
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");

    static JsonNode document() throws Exception {
        String json = given().accept("application/json").get("/q/openapi?format=json").then().statusCode(200)
                .extract().asString();
        Files.writeString(Path.of("target/openapi.json"), json);
        return new ObjectMapper().readTree(json);
    }

    @Test
    void everyOperationDocumentsItsRefusalsAsProblemJson() throws Exception {
        JsonNode doc = document();
        List<String> undocumented = new ArrayList<>();
        int operations = 0;
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                operations++;
                boolean problem = false;
                for (Map.Entry<String, JsonNode> response : op.getValue().path("responses").properties()) {
                    JsonNode schema = response.getValue().path("content").path("application/problem+json")
                            .path("schema").path("$ref");
                    if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
                        assertThat(schema.asText()).as(op.getKey() + " " + path.getKey() + " " + response.getKey())
                                .isEqualTo("#/components/schemas/Problem");
                        problem |= response.getKey().startsWith("4");
                    }
                }
                if (!problem) {
                    undocumented.add(op.getKey() + " " + path.getKey());
                }
            }
        }
        assertThat(operations).isGreaterThanOrEqualTo(10);
        assertThat(undocumented).isEmpty();
        assertThat(doc.at("/components/schemas/Problem/properties/invalidParams/items/properties/name").isObject())
                .isTrue();
        JsonNode register = doc.at("/paths/~1v1~1hosts/post/responses");
        assertThat(register.fieldNames()).toIterable().contains("400", "401", "403", "409", "415", "503");
        JsonNode cancel = doc.at("/paths/~1v1~1migrations~1{id}/delete/responses");
        assertThat(cancel.fieldNames()).toIterable().contains("400", "401", "403", "404", "409");
        JsonNode audit = doc.at("/paths/~1v1~1audit/get");
        assertThat(audit.path("responses").fieldNames()).toIterable().contains("200", "400", "401", "403");
        List<String> parameters = new ArrayList<>();
        audit.path("parameters").forEach(p -> parameters.add(p.path("name").asText()));
        assertThat(parameters).containsExactlyInAnyOrder("actor", "action", "host", "since", "until", "page", "size");
        assertThat(resolve(doc, doc.at("/components/schemas/AuditPage/properties/items/items")).path("properties")
                .fieldNames()).toIterable().contains("id", "at", "service", "actor", "action", "target", "host",
                "cluster", "sourceAddress", "outcome", "detail", "mode");
    }

    @Test
    void enforcedConstraintsAppearInTheSchemas() throws Exception {
        JsonNode doc = document();
        JsonNode fqdn = doc.at("/components/schemas/RegisterHostRequest/properties/fqdn");
        assertThat(fqdn.path("pattern").asText()).isEqualTo(RegisterHostRequest.FQDN);
        assertThat(fqdn.path("maxLength").asInt()).isEqualTo(253);
        assertThat(doc.at("/components/schemas/RegisterHostRequest/properties/hostId/pattern").asText())
                .isEqualTo("^[a-z0-9][a-z0-9-]{0,62}$");
        assertThat(doc.at("/components/schemas/RegisterHostRequest/properties/managementAddresses/maxItems").asInt())
                .isEqualTo(16);
        assertThat(doc.at("/components/schemas/MigrationRequest/properties/vmName/pattern").asText())
                .isEqualTo("^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$");
        assertThat(doc.at("/paths/~1v1~1clusters~1{clusterId}~1policy/get/parameters/0/schema/pattern").asText())
                .isEqualTo("^[a-z0-9][a-z0-9-]{0,62}$");
    }

    @Test
    void capabilitiesAreATypedRecordNotJacksonInternals() throws Exception {
        JsonNode doc = document();
        assertThat(doc.toString()).doesNotContain("valueNode").doesNotContain("containerNode");
        JsonNode capabilities = resolve(doc, doc.at("/components/schemas/HostView/properties/capabilities"));
        assertThat(capabilities.path("properties").fieldNames()).toIterable()
                .contains("libvirtVersion", "qemuVersion", "nativeTlsMigration", "saslMechanisms", "hostUuid");
        JsonNode checks = resolve(doc, doc.at("/components/schemas/Posture/properties/checks"));
        assertThat(checks.path("type").asText()).isEqualTo("array");
        assertThat(resolve(doc, checks.path("items")).path("properties").fieldNames()).toIterable()
                .contains("name", "status", "detail");
    }

    /** Follows a $ref (possibly inside allOf) to its schema. */
    static JsonNode resolve(JsonNode doc, JsonNode schema) {
        if (schema.has("allOf")) {
            schema = schema.get("allOf").get(0);
        }
        if (schema.has("$ref")) {
            return doc.at(schema.get("$ref").asText().substring(1));
        }
        return schema;
    }
}
