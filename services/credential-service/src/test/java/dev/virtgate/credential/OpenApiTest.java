package dev.virtgate.credential;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The served OpenAPI document describes every refusal as problem+json and the clusterId syntax; GET /v1/audit too. */
@QuarkusTest
class OpenApiTest {

    @Test
    void everyOperationDocumentsItsRefusalsAsProblemJson() throws Exception {
        JsonNode doc = new ObjectMapper().readTree(given().accept("application/json").get("/q/openapi?format=json")
                .then().statusCode(200).extract().asString());
        int operations = 0;
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!op.getValue().has("responses")) {
                    continue;
                }
                operations++;
                JsonNode responses = op.getValue().get("responses");
                for (Map.Entry<String, JsonNode> response : responses.properties()) {
                    if (response.getKey().matches("[45]..")) {
                        assertThat(response.getValue().at("/content/application~1problem+json/schema/$ref").asText())
                                .isEqualTo("#/components/schemas/Problem");
                    }
                }
                boolean perCluster = path.getKey().contains("{clusterId}");
                assertThat(responses.fieldNames()).toIterable().as(op.getKey() + " " + path.getKey())
                        .contains("400", "401", "403");
                if (!perCluster) {
                    assertThat(path.getKey()).isEqualTo("/v1/audit");
                    continue;
                }
                assertThat(responses.fieldNames()).toIterable().as(op.getKey() + " " + path.getKey()).contains("404");
                JsonNode clusterId = op.getValue().at("/parameters/0");
                assertThat(clusterId.path("name").asText()).isEqualTo("clusterId");
                assertThat(clusterId.at("/schema/pattern").asText()).isEqualTo("^[a-z0-9][a-z0-9-]{0,62}$");
            }
        }
        assertThat(operations).isEqualTo(3);
        assertThat(doc.at("/paths/~1v1~1clusters~1{clusterId}~1credentials~1rotate/post/responses").fieldNames())
                .toIterable().contains("409", "503");
    }
}
