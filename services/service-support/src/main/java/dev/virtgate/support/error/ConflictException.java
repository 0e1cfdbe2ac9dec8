package dev.virtgate.support.error;

import java.util.List;

/** The request is valid but the current state does not allow it, with the fields involved if any. */
public class ConflictException extends DomainException {
    private final List<InvalidField> reasons;

    public ConflictException(String why) {
        this(why, List.of());
    }

    public ConflictException(String why, List<InvalidField> reasons) {
        super(why);
        this.reasons = List.copyOf(reasons);
    }

    public List<InvalidField> reasons() {
        return reasons;
    }
}
