package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A signed command to the source host's agent. {@code signature} is the Transit signature
 * ({@code vault:vN:...}) over {@link #signingPayload()}; agents refuse anything else.
 */
public record MigrationRequested(
        String migrationId,
        String vmName,
        String clusterId,
        String sourceHostId,
        String destinationHostId,
        String destinationUri,
        List<String> flags,
        Map<String, String> parameters,
        MigrationMode mode,
        List<String> reasons,
        String requestedBy,
        Instant requestedAt,
        Instant notAfter,
        String signingKey,
        String signature) implements Event {

    @Override
    public String subject() {
        return sourceHostId;
    }

    /** The canonical bytes that are signed: every field but the signature, in a fixed order. */
    public byte[] signingPayload() {
        return Signing.canonical(migrationId, vmName, clusterId, sourceHostId, destinationHostId,
                destinationUri, flags, parameters, mode, reasons, requestedBy, requestedAt, notAfter, signingKey);
    }

    public MigrationRequested withSignature(String newSignature) {
        return new MigrationRequested(migrationId, vmName, clusterId, sourceHostId, destinationHostId,
                destinationUri, flags, parameters, mode, reasons, requestedBy, requestedAt, notAfter, signingKey,
                newSignature);
    }
}
