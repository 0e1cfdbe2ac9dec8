package dev.virtgate.migration.dashboard;

import dev.virtgate.migration.rest.HostView;

import java.time.Duration;
import java.time.Instant;

/**
 * How a host's certificate expiry is coloured. RED matches deploy/monitoring's
 * VirtgateCertificateExpiringSoon (under 7 days) and covers expired or revoked certificates; AMBER starts
 * at 10 days, where a 30-day certificate should already have been renewed (pki-service renews at two
 * thirds of the validity), so renewal is late; GREEN otherwise; NONE while no certificate was issued.
 */
public enum ExpiryColour {
    RED, AMBER, GREEN, NONE;

    static final Duration RED_UNDER = Duration.ofDays(7);
    static final Duration AMBER_UNDER = Duration.ofDays(10);

    public static ExpiryColour of(HostView.Certificate certificate, Instant now) {
        if (certificate == null || certificate.notAfter() == null) {
            return NONE;
        }
        if (certificate.revoked()) {
            return RED;
        }
        Duration left = Duration.between(now, certificate.notAfter());
        if (left.compareTo(RED_UNDER) < 0) {
            return RED;
        }
        return left.compareTo(AMBER_UNDER) < 0 ? AMBER : GREEN;
    }

    /** The CSS class the templates use. */
    public String css() {
        return "expiry-" + name().toLowerCase(java.util.Locale.ROOT);
    }
}
