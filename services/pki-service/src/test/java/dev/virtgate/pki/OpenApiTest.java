package dev.virtgate.pki;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** The served OpenAPI document describes every refusal as problem+json and the constraints enforced. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class OpenApiTest {
    static final Set<String> METHODS = Set.of("get", "put", "post", "delete", "patch");
    /** Public, without input and always answerable: nothing to refuse. */
    static final Set<String> CANNOT_REFUSE = Set.of("get /v1/ca/bundle");

    static JsonNode document() throws Exception {
        return new ObjectMapper().readTree(given().accept("application/json").get("/q/openapi?format=json").then()
                .statusCode(200).extract().asString());
    }

    @Test
    void everyOperationDocumentsItsRefusalsAsProblemJson() throws Exception {
        JsonNode doc = document();
        List<String> undocumented = new ArrayList<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                if (!METHODS.contains(op.getKey())) {
                    continue;
                }
                boolean problem = false;
                for (Map.Entry<String, JsonNode> response : op.getValue().path("responses").properties()) {
                    if (response.getKey().matches("[45]..")) {
                        assertThat(response.getValue().at("/content/application~1problem+json/schema/$ref").asText())
                                .as(op.getKey() + " " + path.getKey() + " " + response.getKey())
                                .isEqualTo("#/components/schemas/Problem");
                        problem |= response.getKey().startsWith("4");
                    }
                }
                if (!problem && !CANNOT_REFUSE.contains(op.getKey() + " " + path.getKey())) {
                    undocumented.add(op.getKey() + " " + path.getKey());
                }
            }
        }
        assertThat(undocumented).isEmpty();
        assertThat(doc.at("/paths/~1v1~1certificates/post/responses").fieldNames()).toIterable()
                .contains("400", "401", "403", "404", "422", "503");
        assertThat(doc.at("/paths/~1v1~1certificates~1{serial}~1revoke/post/responses").fieldNames()).toIterable()
                .contains("400", "401", "403", "404", "409", "503");
    }

    @Test
    void enforcedConstraintsAppearInTheSchemas() throws Exception {
        JsonNode doc = document();
        assertThat(doc.at("/components/schemas/IssueRequest/properties/hostId/pattern").asText())
                .isEqualTo("^[a-z0-9][a-z0-9-]{0,62}$");
        assertThat(doc.at("/components/schemas/RevokeRequest/properties/reason/maxLength").asInt()).isEqualTo(256);
        assertThat(doc.at("/components/schemas/ClientCertificateRequest/properties/name/pattern").asText())
                .isEqualTo("^[a-z][a-z0-9._-]{0,55}$");
        assertThat(doc.at("/components/schemas/ClientCertificateRequest/properties/role/enum").toString())
                .isEqualTo("[\"operator\",\"viewer\"]");
    }
}
