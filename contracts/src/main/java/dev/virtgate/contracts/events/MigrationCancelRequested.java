package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/** A signed request to abort a running migration job on the source host. */
public record MigrationCancelRequested(
        String migrationId,
        String sourceHostId,
        String requestedBy,
        Instant requestedAt,
        String signingKey,
        String signature) implements Event {

    @Override
    public String subject() {
        return sourceHostId;
    }

    public byte[] signingPayload() {
        return Signing.canonical(migrationId, sourceHostId, requestedBy, requestedAt, signingKey);
    }

    public MigrationCancelRequested withSignature(String newSignature) {
        return new MigrationCancelRequested(migrationId, sourceHostId, requestedBy, requestedAt, signingKey,
                newSignature);
    }
}
