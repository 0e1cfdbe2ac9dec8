package dev.virtgate.migration.service;

import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.events.CloudRequestAnswered;
import dev.virtgate.contracts.events.CloudRequestAnswered.InvalidParam;
import dev.virtgate.contracts.events.CloudRequestAnswered.Refusal;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.ForbiddenException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.error.RefusedException;
import dev.virtgate.support.error.UnavailableException;

import java.time.Instant;
import java.util.List;

/**
 * The answers to cloud requests: what {@code POST /v1/migrations} would say, in domain terms (the kind
 * of refusal, not an HTTP status: the bus is not the REST edge), with the problem's detail and fields.
 */
final class CloudAnswers {
    private static final int DETAIL_MAX = 2000;

    static CloudRequestAnswered accepted(String requestId, String eventId, String migrationId) {
        return new CloudRequestAnswered(requestId, eventId, CloudRequestAnswered.Outcome.ACCEPTED, migrationId, null,
                Instant.now());
    }

    static CloudRequestAnswered refused(String requestId, String eventId, String kind, String detail,
            List<InvalidField> fields) {
        List<InvalidParam> params = fields.stream().limit(50)
                .map(f -> new InvalidParam(clip(f.field(), 200), clip(f.reason(), 1000))).toList();
        return new CloudRequestAnswered(requestId, eventId, CloudRequestAnswered.Outcome.REFUSED, null,
                new Refusal(kind, clip(detail, DETAIL_MAX), params), Instant.now());
    }

    /** A refusal of the service, as the REST edge would map it (ProblemMappers), kind for status. */
    static CloudRequestAnswered refused(String requestId, String eventId, DomainException e) {
        if (e instanceof InvalidInputException invalid) {
            return refused(requestId, eventId, invalid.kind().name(), e.getMessage(), invalid.fields());
        }
        if (e instanceof ConflictException conflict) {
            return refused(requestId, eventId, "CONFLICT", e.getMessage(), conflict.reasons());
        }
        if (e instanceof RefusedException refused) {
            return refused(requestId, eventId, "REFUSED", e.getMessage(), refused.reasons());
        }
        String kind = e instanceof NotFoundException ? "NOT_FOUND" : e instanceof ForbiddenException ? "FORBIDDEN"
                : e instanceof UnavailableException ? "UNAVAILABLE" : "FAILED";
        return refused(requestId, eventId, kind, e.getMessage(), List.of());
    }

    /** A request the bus gate refused: its signature or certificate (UNTRUSTED) or its schema (MALFORMED). */
    static CloudRequestAnswered refused(String requestId, String eventId, InvalidEventException e) {
        boolean untrusted = e instanceof EventRefusedException;
        List<InvalidField> fields = e.fields().stream().map(f -> new InvalidField(f, untrusted ? "untrusted"
                : "breaks the schema")).toList();
        return refused(requestId, eventId, untrusted ? "UNTRUSTED" : "MALFORMED", e.getMessage(), fields);
    }

    private static String clip(String text, int max) {
        String t = text == null ? "" : text;
        return t.length() <= max ? t : t.substring(0, max);
    }

    private CloudAnswers() {
    }
}
