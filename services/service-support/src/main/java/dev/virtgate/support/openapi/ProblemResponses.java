package dev.virtgate.support.openapi;

import dev.virtgate.support.rest.Problem;
import org.eclipse.microprofile.openapi.OASFactory;
import org.eclipse.microprofile.openapi.OASFilter;
import org.eclipse.microprofile.openapi.models.Components;
import org.eclipse.microprofile.openapi.models.OpenAPI;
import org.eclipse.microprofile.openapi.models.Operation;
import org.eclipse.microprofile.openapi.models.PathItem;
import org.eclipse.microprofile.openapi.models.media.Content;
import org.eclipse.microprofile.openapi.models.media.Schema;
import org.eclipse.microprofile.openapi.models.parameters.Parameter;
import org.eclipse.microprofile.openapi.models.responses.APIResponse;
import org.eclipse.microprofile.openapi.models.responses.APIResponses;

import java.util.List;
import java.util.Map;

/**
 * Documents the refusals every operation can answer, as application/problem+json with the
 * {@code Problem} schema (see {@link dev.virtgate.support.rest.ProblemMappers}): 400 where the
 * operation takes input, 401 and 403 where it needs a role, 404 where the path names a resource.
 * The answers only some resources give (409, 422, 503) are declared with @APIResponse on the
 * resource method; this filter gives them, and any other 4xx/5xx without a body, the Problem body.
 * Enabled with {@code mp.openapi.filter=dev.virtgate.support.openapi.ProblemResponses}.
 */
public class ProblemResponses implements OASFilter {
    static final String SCHEMA = "Problem";
    static final String REF = "#/components/schemas/" + SCHEMA;

    @Override
    public void filterOpenAPI(OpenAPI openAPI) {
        if (openAPI.getComponents() == null) {
            openAPI.setComponents(OASFactory.createComponents());
        }
        Components components = openAPI.getComponents();
        components.addSchema(SCHEMA, ProblemSchema.problem());
        if (openAPI.getPaths() == null || openAPI.getPaths().getPathItems() == null) {
            return;
        }
        for (Map.Entry<String, PathItem> path : openAPI.getPaths().getPathItems().entrySet()) {
            if (!path.getKey().startsWith("/v1/")) {
                continue;
            }
            PathItem item = path.getValue();
            for (Operation operation : item.getOperations().values()) {
                document(operation, path.getKey(), item.getParameters());
            }
        }
    }

    private static void document(Operation operation, String path, List<Parameter> pathLevel) {
        APIResponses responses = operation.getResponses();
        if (responses == null) {
            responses = OASFactory.createAPIResponses();
            operation.setResponses(responses);
        }
        boolean input = operation.getRequestBody() != null || notEmpty(operation.getParameters()) || notEmpty(pathLevel);
        if (input) {
            add(responses, "400", "Malformed request: a field or parameter is missing, of the wrong type, outside its "
                    + "constraints or not storable (NUL); invalidParams names each one");
        }
        if (notEmpty(operation.getSecurity()) || responses.hasAPIResponse("401")) {
            add(responses, "401", "No valid bearer token or client certificate");
            add(responses, "403", "The caller's role does not allow this operation");
        }
        if (path.contains("{")) {
            add(responses, "404", "No such resource");
        }
        if (operation.getRequestBody() != null) {
            add(responses, "415", "The body is not application/json");
        }
        for (Map.Entry<String, APIResponse> response : responses.getAPIResponses().entrySet()) {
            if (response.getKey().startsWith("4") || response.getKey().startsWith("5")) {
                response.getValue().setContent(problemContent());
            }
        }
    }

    private static void add(APIResponses responses, String code, String description) {
        if (!responses.hasAPIResponse(code)) {
            responses.addAPIResponse(code, OASFactory.createAPIResponse().description(description));
        }
    }

    private static Content problemContent() {
        return OASFactory.createContent().addMediaType(Problem.MEDIA_TYPE,
                OASFactory.createMediaType().schema(OASFactory.createSchema().ref(REF)));
    }

    private static boolean notEmpty(List<?> list) {
        return list != null && !list.isEmpty();
    }

    /** The schema of {@link Problem}, written out so that every service describes it the same way. */
    static final class ProblemSchema {
        static Schema problem() {
            Schema invalidParam = OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                    .addProperty("name", text("The field, parameter or header at fault, e.g. managementAddresses[0]"))
                    .addProperty("reason", text("What is wrong with it"))
                    .required(List.of("name", "reason"));
            return OASFactory.createSchema().type(List.of(Schema.SchemaType.OBJECT))
                    .description("RFC 9457 (RFC 7807) problem details")
                    .addProperty("type", text("about:blank"))
                    .addProperty("title", text("The status' reason phrase"))
                    .addProperty("status", OASFactory.createSchema().type(List.of(Schema.SchemaType.INTEGER))
                            .minimum(java.math.BigDecimal.valueOf(400)).maximum(java.math.BigDecimal.valueOf(599)))
                    .addProperty("detail", text("What went wrong, for a human"))
                    .addProperty("instance", text("The request path"))
                    .addProperty("invalidParams", OASFactory.createSchema().type(List.of(Schema.SchemaType.ARRAY))
                            .items(invalidParam))
                    .required(List.of("type", "title", "status"));
        }

        private static Schema text(String description) {
            return OASFactory.createSchema().type(List.of(Schema.SchemaType.STRING)).description(description);
        }

        private ProblemSchema() {
        }
    }
}
