package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * pki-service re-signed the CRL of one of its CAs (every re-signing, not only on a revocation), so
 * that agents of a quiet cluster never serve a CRL past its {@code nextUpdate}. Agents apply it
 * only if their pinned CA signed it and {@code crlNumber} (decimal) is higher than the one applied.
 */
public record CrlPublished(
        String caFingerprint,
        String issuerDn,
        String crlNumber,
        Instant thisUpdate,
        Instant nextUpdate,
        String crlPem) implements Event {

    @Override
    public String subject() {
        return caFingerprint;
    }
}
