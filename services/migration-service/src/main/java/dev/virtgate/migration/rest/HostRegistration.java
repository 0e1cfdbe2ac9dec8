package dev.virtgate.migration.rest;

import java.time.Instant;

/** Response to a registration: the enrollment token appears here once and is never stored in clear. */
public record HostRegistration(String hostId, String clusterId, String fqdn, String enrollmentToken,
        Instant enrollmentTokenExpiresAt) {

    @Override
    public String toString() {
        return "HostRegistration[hostId=" + hostId + ", enrollmentToken=<redacted>]";
    }
}
