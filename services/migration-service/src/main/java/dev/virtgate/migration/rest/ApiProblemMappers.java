package dev.virtgate.migration.rest;

import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.virtgate.support.rest.Problem;
import dev.virtgate.support.rest.ProblemMappers;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Problem+json for what the shared mappers miss: role checks (401/403), and JSON of the wrong shape,
 * for which quarkus-rest-jackson's own MismatchedInputException mapper is more specific than the
 * shared JsonProcessingException one.
 */
public class ApiProblemMappers {
    private final ProblemMappers shared = new ProblemMappers();

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER - 100)
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri) {
        return shared.invalidJson(e, uri);
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri) {
        return problem(403, "Forbidden", "your role does not allow this operation", uri).build();
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return problem(401, "Unauthorized", "a bearer token is required", uri)
                .header("WWW-Authenticate", "Bearer").build();
    }

    private static Response.ResponseBuilder problem(int status, String title, String detail, UriInfo uri) {
        return Response.status(status).type(Problem.MEDIA_TYPE)
                .entity(new Problem("about:blank", title, status, detail, uri.getPath(), null));
    }
}
