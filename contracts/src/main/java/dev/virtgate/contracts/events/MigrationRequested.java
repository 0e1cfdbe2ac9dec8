package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.migration.ProxyRoute;

import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A signed command to the source host's agent. {@code signature} is the Transit signature
 * ({@code vault:vN:...}) over {@link #signingPayload()}; agents refuse anything else.
 *
 * @param proxyRoute only for {@link MigrationMode#TLS_AGENT_PROXY}: the destination agent's migration
 *                   proxy; null for every other mode
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
        String signature,
        ProxyRoute proxyRoute) implements Event {

    /** A command without a proxy route (every mode but TLS_AGENT_PROXY). */
    public MigrationRequested(String migrationId, String vmName, String clusterId, String sourceHostId,
            String destinationHostId, String destinationUri, List<String> flags, Map<String, String> parameters,
            MigrationMode mode, List<String> reasons, String requestedBy, Instant requestedAt, Instant notAfter,
            String signingKey, String signature) {
        this(migrationId, vmName, clusterId, sourceHostId, destinationHostId, destinationUri, flags, parameters, mode,
                reasons, requestedBy, requestedAt, notAfter, signingKey, signature, null);
    }

    @Override
    public String subject() {
        return sourceHostId;
    }

    /**
     * The canonical bytes that are signed: every field but the signature, in a fixed order; the proxy
     * route last and only when present, so that commands without one sign as they always did.
     */
    public byte[] signingPayload() {
        if (proxyRoute == null) {
            return Signing.canonical(migrationId, vmName, clusterId, sourceHostId, destinationHostId,
                    destinationUri, flags, parameters, mode, reasons, requestedBy, requestedAt, notAfter, signingKey);
        }
        return Signing.canonical(migrationId, vmName, clusterId, sourceHostId, destinationHostId,
                destinationUri, flags, parameters, mode, reasons, requestedBy, requestedAt, notAfter, signingKey,
                proxyRoute.signedFields());
    }

    public MigrationRequested withSignature(String newSignature) {
        return new MigrationRequested(migrationId, vmName, clusterId, sourceHostId, destinationHostId,
                destinationUri, flags, parameters, mode, reasons, requestedBy, requestedAt, notAfter, signingKey,
                newSignature, proxyRoute);
    }
}
