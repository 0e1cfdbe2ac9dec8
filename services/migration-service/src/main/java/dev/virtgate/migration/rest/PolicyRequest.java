package dev.virtgate.migration.rest;

import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.migration.negotiation.Negotiator;
import jakarta.validation.constraints.NotNull;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

public record PolicyRequest(
        @NotNull PolicyMode mode,
        @Schema(description = "Required for, and only for, UPGRADE_WINDOW; must be in the future")
        Instant windowExpiresAt,
        @Schema(description = "Layer SASL (SCRAM-SHA-256) on libvirt's TLS port; absent means true")
        Boolean saslOnTls,
        @Schema(minimum = "1", maximum = "16", description = "Memory connections (1 to 16, another number is "
                + "refused with 422) of a TLS_NATIVE migration between hosts that both run parallel (multifd) migration with TLS; 1 = a single "
                + "stream; absent = the negotiator's default (" + Negotiator.DEFAULT_PARALLEL_CONNECTIONS + ")")
        Integer parallelConnections,
        @Schema(description = "Migrate in TLS_AGENT_PROXY between TLS-ready hosts whose agents both offer their "
                + "migration proxy: the agents carry the memory stream inside TLS they terminate, both host "
                + "certificates verified, QEMU's stream in clear only on each host's loopback. Opt-in, as it puts "
                + "the agents in the memory path; absent means false")
        Boolean agentTlsProxy) {

    /** The range libvirt's parallel.connections takes. */
    public static final int MIN_PARALLEL_CONNECTIONS = (int) MigrationParameter.PARALLEL_CONNECTIONS.min();
    public static final int MAX_PARALLEL_CONNECTIONS = (int) MigrationParameter.PARALLEL_CONNECTIONS.max();

    public boolean saslOnTlsOrDefault() {
        return saslOnTls == null || saslOnTls;
    }

    public boolean agentTlsProxyOrDefault() {
        return agentTlsProxy != null && agentTlsProxy;
    }
}
