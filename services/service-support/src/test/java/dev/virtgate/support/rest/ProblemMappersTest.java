package dev.virtgate.support.rest;

import dev.virtgate.support.audit.RefusedRequests;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.ForbiddenException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.error.RefusedException;
import dev.virtgate.support.error.UnavailableException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Each domain exception leaves as the problem+json it always did: status, title, fields, Retry-After. */
class ProblemMappersTest {

    private final List<String> recorded = new ArrayList<>();
    private final ProblemMappers mappers = new ProblemMappers();

    ProblemMappersTest() {
        mappers.refusals = new RefusedRequests() {
            @Override
            public void record(SimpleResourceInfo resource, UriInfo uri, int status, String reason) {
                recorded.add(status + " " + reason);
            }
        };
    }

    @Test
    void malformedInputIsA400NamingTheField() {
        Response response = map(InvalidInputException.malformed("csrPem", "missing"));
        assertProblem(response, 400, "Bad Request", "csrPem: missing", List.of(new Problem.InvalidParam("csrPem", "missing")));
        assertThat(recorded).containsExactly("400 csrPem: missing");
    }

    @Test
    void unprocessableInputIsA422NamingEveryField() {
        Response response = map(new InvalidInputException(InvalidInputException.Kind.UNPROCESSABLE,
                List.of(new InvalidField("vmName", "too long"), new InvalidField("destinationHostId", "unknown"))));
        assertProblem(response, 422, "Unprocessable Entity", "vmName: too long; destinationHostId: unknown",
                List.of(new Problem.InvalidParam("vmName", "too long"),
                        new Problem.InvalidParam("destinationHostId", "unknown")));
    }

    @Test
    void notFoundForbiddenAndConflictKeepTheirStatuses() {
        assertProblem(map(new NotFoundException("no host h-1")), 404, "Not Found", "no host h-1", null);
        assertProblem(map(new ForbiddenException("enrollment token expired")), 403, "Forbidden",
                "enrollment token expired", null);
        assertProblem(map(new ConflictException("certificate 1a is already revoked")), 409, "Conflict",
                "certificate 1a is already revoked", null);
        assertProblem(map(new ConflictException("migration m-1 is already COMPLETED",
                List.of(new InvalidField("state", "COMPLETED")))), 409, "Conflict",
                "migration m-1 is already COMPLETED", List.of(new Problem.InvalidParam("state", "COMPLETED")));
        assertThat(recorded).hasSize(4);
    }

    @Test
    void aPolicyRefusalIsA409WithItsReasons() {
        Response response = map(new RefusedException("the cluster policy forbids every migration mode",
                List.of(new InvalidField("sourceHostId", "source posture fails"))));
        assertProblem(response, 409, "Conflict", "the cluster policy forbids every migration mode",
                List.of(new Problem.InvalidParam("sourceHostId", "source posture fails")));
    }

    @Test
    void unavailableIsA503WithRetryAfterInWholeSecondsAndNoRefusalRecorded() {
        Response response = map(new UnavailableException("OpenBao unavailable; nothing was changed", Duration.ofSeconds(7)));
        assertProblem(response, 503, "Service Unavailable", "OpenBao unavailable; nothing was changed", null);
        assertThat(response.getHeaderString("Retry-After")).isEqualTo("7");
        assertThat(map(new UnavailableException("CA not ready", Duration.ofMillis(1500))).getHeaderString("Retry-After"))
                .as("rounded up: a retry never comes early").isEqualTo("2");
        assertThat(recorded).as("a 503 is not a refusal").isEmpty();
    }

    @Test
    void onlyRefusalsHaveNoRetryAfter() {
        assertThat(map(new ConflictException("busy")).getHeaderString("Retry-After")).isNull();
    }

    @Test
    void aRefusalTheActionAuditedItselfIsNotRecordedTwice() {
        map(new ForbiddenException("not yours").markAudited());
        assertThat(recorded).isEmpty();
    }

    private Response map(DomainException e) {
        return mappers.problem(e, null, null);
    }

    private static void assertProblem(Response response, int status, String title, String detail,
            List<Problem.InvalidParam> params) {
        assertThat(response.getStatus()).isEqualTo(status);
        assertThat(response.getMediaType()).hasToString("application/problem+json");
        assertThat(response.getEntity()).isEqualTo(new Problem("about:blank", title, status, detail, null, params));
    }
}
