package dev.virtgate.support.error;

/** What the request names does not exist (a host, a certificate, a migration...). */
public class NotFoundException extends DomainException {
    public NotFoundException(String what) {
        super(what);
    }
}
