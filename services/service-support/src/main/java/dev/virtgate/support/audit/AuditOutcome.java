package dev.virtgate.support.audit;

import java.util.Locale;

/** How an audited action ended: accepted (committed), refused (4xx) or failed (an error of ours, 5xx). */
public enum AuditOutcome {
    ACCEPTED, REFUSED, FAILED;

    /** The name stored and answered: lower case. */
    public String wire() {
        return name().toLowerCase(Locale.ROOT);
    }
}
