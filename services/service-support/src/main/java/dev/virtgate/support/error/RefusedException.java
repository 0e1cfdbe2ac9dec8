package dev.virtgate.support.error;

import java.util.List;

/** A policy refuses the request; each reason names what it applies to. */
public class RefusedException extends DomainException {
    private final List<InvalidField> reasons;

    public RefusedException(String why, List<InvalidField> reasons) {
        super(why);
        this.reasons = List.copyOf(reasons);
    }

    public List<InvalidField> reasons() {
        return reasons;
    }
}
