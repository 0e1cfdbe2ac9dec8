package dev.virtgate.support.audit;

import dev.virtgate.support.error.InvalidInputException;

import java.time.Instant;
import java.time.format.DateTimeParseException;

/**
 * The filters and page of {@code GET /v1/audit}, validated: a bad parameter is a 400 naming it.
 * Every filter is optional; {@code since} is inclusive, {@code until} exclusive.
 */
public record AuditQuery(String actor, String action, String host, Instant since, Instant until, int page,
        int size) {
    public static final int DEFAULT_SIZE = 50;
    public static final int MAX_SIZE = 500;
    static final int MAX_PAGE = 1_000_000;

    /** Parses the raw query parameters (null when absent). */
    public static AuditQuery parse(String actor, String action, String host, String since, String until, String page,
            String size) {
        String actorFilter = text("actor", actor, AuditRecord.ACTOR_LENGTH);
        String actionFilter = text("action", action, 64);
        if (actionFilter != null && !AuditActions.ALL.contains(actionFilter)) {
            throw InvalidInputException.malformed("action", "one of " + String.join(", ", AuditActions.ALL));
        }
        String hostFilter = text("host", host, 128);
        Instant from = instant("since", since);
        Instant to = instant("until", until);
        if (from != null && to != null && !to.isAfter(from)) {
            throw InvalidInputException.malformed("until", "must be after since");
        }
        int pageNumber = number("page", page, 0, 0, MAX_PAGE);
        int pageSize = number("size", size, DEFAULT_SIZE, 1, MAX_SIZE);
        return new AuditQuery(actorFilter, actionFilter, hostFilter, from, to, pageNumber, pageSize);
    }

    private static String text(String field, String value, int max) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        if (value.length() > max) {
            throw InvalidInputException.malformed(field, "at most " + max + " characters");
        }
        return value;
    }

    private static Instant instant(String field, String value) {
        if (value == null || value.isEmpty()) {
            return null;
        }
        try {
            return Instant.parse(value);
        } catch (DateTimeParseException e) {
            throw InvalidInputException.malformed(field, "not an ISO-8601 instant such as 2026-11-29T12:00:00Z");
        }
    }

    private static int number(String field, String value, int absent, int min, int max) {
        if (value == null || value.isEmpty()) {
            return absent;
        }
        try {
            int n = Integer.parseInt(value);
            if (n >= min && n <= max) {
                return n;
            }
        } catch (NumberFormatException e) {
            // answered below, like a number out of range
        }
        throw InvalidInputException.malformed(field, "an integer from " + min + " to " + max);
    }
}
