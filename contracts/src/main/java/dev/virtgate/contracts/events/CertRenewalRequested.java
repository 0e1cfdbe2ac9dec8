package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/** The certificate is past two thirds of its life (or its CA is rotating): send a new CSR. */
public record CertRenewalRequested(
        String hostId,
        String clusterId,
        String serial,
        Instant notAfter,
        String reason) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
