package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.PolicyMode;
import java.time.Instant;

/** A cluster's migration policy; {@code windowExpiresAt} is set only for {@link PolicyMode#UPGRADE_WINDOW}. */
public record ClusterPolicy(PolicyMode mode, Instant windowExpiresAt) {

    public static final ClusterPolicy DEFAULT = new ClusterPolicy(PolicyMode.REQUIRE_TLS, null);

    public boolean windowOpen(Instant now) {
        return mode.windowOpen(windowExpiresAt, now);
    }

    public boolean allowsSasl(Instant now) {
        return mode.allowsSasl(windowExpiresAt, now);
    }
}
