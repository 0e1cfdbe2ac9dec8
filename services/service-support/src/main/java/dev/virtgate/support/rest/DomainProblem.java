package dev.virtgate.support.rest;

import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.ForbiddenException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.error.RefusedException;
import dev.virtgate.support.error.UnavailableException;

import java.util.List;

/** The HTTP side of a domain exception: its status, title and the fields it names. */
record DomainProblem(int status, String title, List<Problem.InvalidParam> invalidParams) {

    static DomainProblem of(DomainException e) {
        if (e instanceof InvalidInputException invalid) {
            return invalid.kind() == InvalidInputException.Kind.MALFORMED
                    ? new DomainProblem(400, "Bad Request", params(invalid.fields()))
                    : new DomainProblem(422, "Unprocessable Entity", params(invalid.fields()));
        }
        if (e instanceof NotFoundException) {
            return new DomainProblem(404, "Not Found", List.of());
        }
        if (e instanceof ForbiddenException) {
            return new DomainProblem(403, "Forbidden", List.of());
        }
        if (e instanceof ConflictException conflict) {
            return new DomainProblem(409, "Conflict", params(conflict.reasons()));
        }
        if (e instanceof RefusedException refused) {
            return new DomainProblem(409, "Conflict", params(refused.reasons()));
        }
        if (e instanceof UnavailableException) {
            return new DomainProblem(503, "Service Unavailable", List.of());
        }
        throw new IllegalArgumentException("no problem defined for " + e.getClass().getName());
    }

    private static List<Problem.InvalidParam> params(List<InvalidField> fields) {
        return fields.stream().map(f -> new Problem.InvalidParam(f.field(), f.reason())).toList();
    }
}
