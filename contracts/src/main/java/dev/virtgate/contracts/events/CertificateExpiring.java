package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * Public stream: a host's current certificate expires within {@code threshold} (ISO-8601, the alerts' {@code P7D})
 * and has not been renewed. Sent once per certificate and threshold.
 */
public record CertificateExpiring(
        String hostId,
        String clusterId,
        String certSerial,
        Instant notAfter,
        String threshold) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
