package dev.virtgate.migration.rest;

import dev.virtgate.contracts.events.PolicyMode;
import jakarta.validation.constraints.NotNull;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

public record PolicyRequest(
        @NotNull PolicyMode mode,
        @Schema(description = "Required for, and only for, UPGRADE_WINDOW; must be in the future")
        Instant windowExpiresAt,
        @Schema(description = "Layer SASL (SCRAM-SHA-256) on libvirt's TLS port; absent means true")
        Boolean saslOnTls) {

    public boolean saslOnTlsOrDefault() {
        return saslOnTls == null || saslOnTls;
    }
}
