package dev.virtgate.migration.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.PostureCheck;
import org.eclipse.microprofile.openapi.annotations.enums.SchemaType;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.time.Instant;
import java.util.List;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record HostView(
        String id,
        String clusterId,
        String fqdn,
        String status,
        List<String> dnsNames,
        List<String> managementAddresses,
        List<String> migrationAddresses,
        Instant registeredAt,
        String registeredBy,
        Instant enrollmentTokenExpiresAt,
        Instant enrolledAt,
        Instant decommissionedAt,
        @Schema(implementation = HostCapabilities.class, description = "What the agent discovered from libvirtd")
        JsonNode capabilities,
        @Schema(description = "Port of the agent's migration proxy (TLS_AGENT_PROXY), as its latest report says; "
                + "absent: it does not offer that mode", minimum = "1024", maximum = "65535")
        Integer migrationProxyPort,
        Certificate certificate,
        Credential credential,
        Posture posture,
        boolean tlsReady,
        List<String> tlsProblems) {

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Certificate(String serial, Instant notBefore, Instant notAfter, boolean expired, boolean revoked,
            Instant revokedAt, String appliedSerial) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Credential(Integer version, String phase) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Posture(Instant probedAt, long ageSeconds, boolean fresh, Boolean allPass, boolean tlsListening,
            boolean saslListening, boolean nativeTlsMigration,
            @Schema(type = SchemaType.ARRAY, implementation = PostureCheck.class) JsonNode checks) {
    }
}
