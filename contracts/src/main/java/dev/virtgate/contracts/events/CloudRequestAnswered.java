package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * migration-service's answer to a {@link CloudMigrationRequested}, on the public stream, keyed by the
 * request id: ACCEPTED with the migration id (the same one for a replayed request id), or REFUSED with
 * the reasons {@code POST /v1/migrations} would give (a problem's detail and invalid params, its kind in
 * domain terms). {@code requestEventId} is the {@code ce_id} of the request answered.
 */
public record CloudRequestAnswered(
        String requestId,
        String requestEventId,
        Outcome outcome,
        String migrationId,
        Refusal refusal,
        Instant answeredAt) implements Event {

    public enum Outcome {
        ACCEPTED, REFUSED
    }

    /** Why: {@code kind} names the domain refusal (UNTRUSTED: the request's signature or certificate). */
    public record Refusal(String kind, String detail, List<InvalidParam> invalidParams) {
    }

    public record InvalidParam(String name, String reason) {
    }

    @Override
    public String subject() {
        return requestId;
    }
}
