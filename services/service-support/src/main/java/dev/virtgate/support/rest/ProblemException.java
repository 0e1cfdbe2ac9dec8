package dev.virtgate.support.rest;

import java.util.List;

/**
 * A request the service refuses, with an HTTP status and the fields at fault. Messages must not
 * contain secrets: they are returned to the caller verbatim.
 */
public class ProblemException extends RuntimeException {
    private final int status;
    private final String title;
    private final List<Problem.InvalidParam> invalidParams;
    private final Integer retryAfterSeconds;
    private volatile boolean audited;

    public ProblemException(int status, String title, String detail, List<Problem.InvalidParam> invalidParams,
            Integer retryAfterSeconds) {
        super(detail);
        this.status = status;
        this.title = title;
        this.invalidParams = invalidParams == null ? List.of() : List.copyOf(invalidParams);
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public static ProblemException badRequest(String field, String reason) {
        return new ProblemException(400, "Bad Request", field + ": " + reason,
                List.of(new Problem.InvalidParam(field, reason)), null);
    }

    public static ProblemException unprocessable(String field, String reason) {
        return new ProblemException(422, "Unprocessable Entity", field + ": " + reason,
                List.of(new Problem.InvalidParam(field, reason)), null);
    }

    public static ProblemException notFound(String what) {
        return new ProblemException(404, "Not Found", what, List.of(), null);
    }

    public static ProblemException forbidden(String why) {
        return new ProblemException(403, "Forbidden", why, List.of(), null);
    }

    public static ProblemException conflict(String why) {
        return new ProblemException(409, "Conflict", why, List.of(), null);
    }

    public static ProblemException conflict(String why, List<Problem.InvalidParam> reasons) {
        return new ProblemException(409, "Conflict", why, reasons, null);
    }

    public static ProblemException unavailable(String why, int retryAfterSeconds) {
        return new ProblemException(503, "Service Unavailable", why, List.of(), retryAfterSeconds);
    }

    public int status() {
        return status;
    }

    public String title() {
        return title;
    }

    public List<Problem.InvalidParam> invalidParams() {
        return invalidParams;
    }

    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }

    /** The refusal is already in the audit trail (recorded by the action that threw it). */
    public boolean audited() {
        return audited;
    }

    public ProblemException markAudited() {
        audited = true;
        return this;
    }
}
