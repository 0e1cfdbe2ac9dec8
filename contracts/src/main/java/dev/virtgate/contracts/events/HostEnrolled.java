package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/**
 * An agent enrolled its host: the CSR of a key generated on the host, the single-use enrollment
 * token (consumed by the first issuance, worthless afterwards) and the discovered capabilities.
 */
public record HostEnrolled(
        String hostId,
        String clusterId,
        String fqdn,
        String csrPem,
        String enrollmentToken,
        HostCapabilities capabilities) implements Event {

    @Override
    public String subject() {
        return hostId;
    }

    @Override
    public String toString() {
        return "HostEnrolled[hostId=" + hostId + ", clusterId=" + clusterId + ", fqdn=" + fqdn
                + ", enrollmentToken=<redacted>, capabilities=" + capabilities + "]";
    }
}
