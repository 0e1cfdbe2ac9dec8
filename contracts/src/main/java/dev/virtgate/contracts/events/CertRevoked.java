package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/** A certificate was revoked; carries the freshly signed CRL. */
public record CertRevoked(
        String hostId,
        String clusterId,
        String serial,
        String libvirtDn,
        String reason,
        Instant revokedAt,
        String crlPem) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
