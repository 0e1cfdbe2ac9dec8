package dev.virtgate.support.error;

/**
 * A request or event a service refuses, or cannot serve now, said in domain terms: services and
 * event handlers throw these and know nothing of HTTP; {@code ProblemMappers} turns them into
 * problem+json at the REST edge. Messages must not contain secrets: they are shown to the caller
 * verbatim and written to the audit trail.
 */
public abstract class DomainException extends RuntimeException {
    private volatile boolean audited;

    protected DomainException(String message) {
        super(message);
    }

    /** True when the caller is refused (the request is at fault); false when we cannot serve it now. */
    public boolean refusal() {
        return true;
    }

    /** The refusal is already in the audit trail (recorded by the action that threw it). */
    public boolean audited() {
        return audited;
    }

    public DomainException markAudited() {
        audited = true;
        return this;
    }
}
