package dev.virtgate.migration.negotiation;

import java.time.Duration;
import java.time.Instant;

/** "2h ago", "in 5m": durations for reasons that people read. */
public final class HumanTime {

    public static String ago(Instant then, Instant now) {
        return Duration.between(then, now).isNegative() ? "in " + span(Duration.between(now, then))
                : span(Duration.between(then, now)) + " ago";
    }

    public static String until(Instant then, Instant now) {
        return Duration.between(now, then).isNegative() ? span(Duration.between(then, now)) + " ago"
                : "in " + span(Duration.between(now, then));
    }

    public static String span(Duration d) {
        long s = d.toSeconds();
        if (s >= 86_400) {
            return s / 86_400 + "d";
        }
        if (s >= 3_600) {
            return s / 3_600 + "h";
        }
        if (s >= 60) {
            return s / 60 + "m";
        }
        return s + "s";
    }

    private HumanTime() {
    }
}
