package dev.virtgate.migration.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtgate.contracts.events.PolicyMode;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyView(
        String clusterId,
        PolicyMode mode,
        Instant windowExpiresAt,
        boolean windowOpen,
        @Schema(description = "SASL (SCRAM-SHA-256) layered on libvirt's TLS port")
        boolean saslOnTls,
        @Schema(description = "Revision of the last ClusterPolicyChanged sent to the agents; 0 before the first")
        long revision,
        @Schema(description = "Memory connections of a parallel TLS_NATIVE migration; absent: the negotiator's "
                + "default")
        Integer parallelConnections,
        @Schema(description = "TLS_AGENT_PROXY between TLS-ready hosts whose agents both offer their migration proxy")
        boolean agentTlsProxy,
        String updatedBy,
        Instant updatedAt) {
}
