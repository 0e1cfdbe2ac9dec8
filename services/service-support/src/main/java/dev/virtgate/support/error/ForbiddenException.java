package dev.virtgate.support.error;

/** The caller lacks the authority for this (a bad enrollment proof, a certificate it does not hold). */
public class ForbiddenException extends DomainException {
    public ForbiddenException(String why) {
        super(why);
    }
}
