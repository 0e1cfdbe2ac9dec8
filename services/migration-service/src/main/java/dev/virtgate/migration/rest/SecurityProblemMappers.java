package dev.virtgate.migration.rest;

import dev.virtgate.support.rest.Problem;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/** 401 and 403 raised by role checks leave as problem+json too. */
public class SecurityProblemMappers {

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
