package dev.virtgate.migration.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

/**
 * Response to a registration: the enrollment bundle. The token appears here once and is never
 * stored, logged or sent on the bus (only the public key it seeds is).
 */
@Schema(description = "The enrollment bundle for the host's agent: the one-time token and the CA fingerprint to pin. "
        + "Shown once; hand both to the agent over a trusted channel.")
public record HostRegistration(
        String hostId,
        String clusterId,
        String fqdn,
        @Schema(description = "One-time enrollment token (43 base64url characters); never shown again",
                pattern = "^[A-Za-z0-9_-]{43}$")
        String enrollmentToken,
        Instant enrollmentTokenExpiresAt,
        @Schema(description = "SHA-256 of virtgate's current CA certificate (DER), as sha256:<hex>: the agent pins "
                + "this CA, like kubeadm join --discovery-token-ca-cert-hash", pattern = "^sha256:[0-9a-f]{64}$")
        String caCertSha256) {

    @Override
    public String toString() {
        return "HostRegistration[hostId=" + hostId + ", enrollmentToken=<redacted>, caCertSha256=" + caCertSha256 + "]";
    }
}
