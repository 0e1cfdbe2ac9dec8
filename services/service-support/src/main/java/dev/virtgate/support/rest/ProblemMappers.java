package dev.virtgate.support.rest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.virtgate.support.audit.RefusedRequests;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.UnavailableException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolation;
import jakarta.ws.rs.Priorities;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.NotAllowedException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * Every refusal leaves as application/problem+json. Hand-written (a few lines) rather than the
 * quarkus-resteasy-problem extension, whose latest release targets an older Quarkus, and so that
 * no exception text reaches the caller unless it was written to be shown. A refusal of an audited
 * operator action that the action did not record itself is recorded here (RefusedRequests).
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    @Inject
    RefusedRequests refusals;

    /** The one translation of the services' domain exceptions into HTTP (statuses: see DomainProblem). */
    @ServerExceptionMapper
    public Response problem(DomainException e, UriInfo uri, SimpleResourceInfo resource) {
        DomainProblem problem = DomainProblem.of(e);
        if (e.refusal() && !e.audited()) {
            refusals.record(resource, uri, problem.status(), e.getMessage());
        }
        Response.ResponseBuilder response = respond(problem.status(), problem.title(), e.getMessage(), uri,
                problem.invalidParams());
        if (e instanceof UnavailableException unavailable) {
            response.header("Retry-After", retryAfterSeconds(unavailable.retryAfter()));
        }
        return response.build();
    }

    /** Ahead of Quarkus' own handler for this one, which would answer plain JSON. */
    @ServerExceptionMapper(priority = Priorities.USER - 100)
    public Response mismatchedInput(MismatchedInputException e, UriInfo uri, SimpleResourceInfo resource) {
        return invalidJson(e, uri, resource);
    }

    @ServerExceptionMapper
    public Response unauthorized(UnauthorizedException e, UriInfo uri) {
        return respond(401, "Unauthorized", "a bearer token is required", uri, List.of())
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e, UriInfo uri, SimpleResourceInfo resource) {
        refusals.record(resource, uri, 403, "the caller's role does not allow this operation");
        return respond(403, "Forbidden", "your role does not allow this operation", uri, List.of()).build();
    }

    @ServerExceptionMapper
    public Response invalidJson(JsonProcessingException e, UriInfo uri, SimpleResourceInfo resource) {
        String field = e instanceof JsonMappingException m && !m.getPath().isEmpty() ? fieldOf(m) : "body";
        refusals.record(resource, uri, 400, "request body is not valid JSON for this resource (" + field + ")");
        if (e instanceof StorableStringDeserializer.UnstorableTextException) {
            return respond(400, "Bad Request", field + ": " + StorableText.REASON, uri,
                    List.of(new Problem.InvalidParam(field, StorableText.REASON))).build();
        }
        return respond(400, "Bad Request", "request body is not valid JSON for this resource (" + field + ")", uri,
                List.of(new Problem.InvalidParam(field, "malformed or of the wrong type"))).build();
    }

    @ServerExceptionMapper
    public Response constraintViolation(ConstraintViolationException e, UriInfo uri, SimpleResourceInfo resource) {
        Set<ConstraintViolation<?>> violations = e.getConstraintViolations();
        List<Problem.InvalidParam> params = violations.stream()
                .map(v -> new Problem.InvalidParam(leaf(v.getPropertyPath().toString()), v.getMessage()))
                .sorted(java.util.Comparator.comparing(Problem.InvalidParam::name)).toList();
        String detail = params.stream().map(p -> p.name() + ": " + p.reason()).reduce((a, b) -> a + "; " + b)
                .orElse("invalid request");
        refusals.record(resource, uri, 400, detail);
        return respond(400, "Bad Request", detail, uri, params).build();
    }

    /** 405 with the Allow header RFC 9110 requires, which Quarkus REST leaves out. */
    @ServerExceptionMapper
    public Response notAllowed(NotAllowedException e, UriInfo uri) {
        Set<String> allowed = AllowedMethods.on(uri.getPath());
        return respond(405, "Method Not Allowed", "allowed on this path: " + String.join(", ", allowed), uri, List.of())
                .allow(allowed).build();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e, UriInfo uri, SimpleResourceInfo resource) {
        int status = e.getResponse().getStatus();
        if (e.getCause() instanceof JsonProcessingException json) {
            return invalidJson(json, uri, resource);
        }
        if (status == 404 && e.getCause() != null && !(e.getCause() instanceof WebApplicationException)) {
            // JAX-RS answers 404 when a query parameter cannot be read as its type (limit=abc): the
            // resource exists, the request is malformed
            String detail = "a query parameter is not of its type: " + e.getCause().getMessage();
            refusals.record(resource, uri, 400, detail);
            return respond(400, "Bad Request", detail, uri, List.of()).build();
        }
        String title = Response.Status.fromStatusCode(status) != null
                ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Error";
        refusals.record(resource, uri, status, status == 400 ? "malformed request" : title);
        return respond(status, title, status == 400 ? "malformed request" : title, uri, List.of()).build();
    }

    private static Response.ResponseBuilder respond(int status, String title, String detail, UriInfo uri,
            List<Problem.InvalidParam> params) {
        if (status >= 500) {
            LOG.warnf("%d %s: %s", status, uri == null ? "" : uri.getPath(), detail);
        }
        Problem problem = new Problem("about:blank", title, status, detail, uri == null ? null : uri.getPath(),
                params.isEmpty() ? null : params);
        return Response.status(status).type(Problem.MEDIA_TYPE).entity(problem);
    }

    /** Whole seconds (RFC 9110 delay-seconds), rounded up so that a retry never comes early. */
    private static long retryAfterSeconds(Duration retryAfter) {
        return Math.max(0, (retryAfter.toMillis() + 999) / 1000);
    }

    private static String fieldOf(JsonMappingException e) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference ref : e.getPath()) {
            if (ref.getFieldName() != null) {
                path.append(path.isEmpty() ? "" : ".").append(ref.getFieldName());
            } else if (ref.getIndex() >= 0) {
                path.append('[').append(ref.getIndex()).append(']');
            }
        }
        return path.isEmpty() ? "body" : path.toString();
    }

    /** {@code register.request.fqdn} (method, parameter, field) becomes {@code fqdn}. */
    private static String leaf(String propertyPath) {
        String[] parts = propertyPath.split("\\.", 3);
        return parts.length == 3 ? parts[2] : parts[parts.length - 1];
    }
}
