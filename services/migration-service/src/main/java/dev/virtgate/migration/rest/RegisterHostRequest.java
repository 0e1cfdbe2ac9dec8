package dev.virtgate.migration.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

import java.util.List;

/**
 * Registration of a hypervisor. {@code hostId} is optional (derived from the FQDN's first label);
 * the first migration address, if any, carries the memory stream.
 */
public record RegisterHostRequest(
        // NetworkNames.isFqdn: two or more RFC 1123 labels, 253 characters at most, not all digits (not an IP)
        @Pattern(regexp = ID, message = ID_RULE)
        String hostId,
        @NotBlank @Pattern(regexp = ID, message = ID_RULE)
        String clusterId,
        @NotBlank @Size(max = 253) @Pattern(regexp = FQDN, message = FQDN_RULE)
        @Schema(description = "Fully qualified DNS name; stored in lower case")
        String fqdn,
        @Size(max = 16) @Schema(description = "Further DNS names (RFC 1123 labels, 253 characters at most) for the "
                + "certificate; the fqdn is always included")
        List<String> dnsNames,
        @NotEmpty @Size(max = 16) @Schema(description = "IPv4 or IPv6 address literals (no zone, no brackets)")
        List<String> managementAddresses,
        @Size(max = 16) @Schema(description = "IPv4 or IPv6 address literals; the first carries the memory stream")
        List<String> migrationAddresses) {

    public static final String ID = "^[a-z0-9][a-z0-9-]{0,62}$";
    public static final String ID_RULE = "must be lower-case letters, digits and '-', at most 63";
    private static final String LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?";
    public static final String FQDN = "^(?=.*[A-Za-z-])(?:" + LABEL + "\\.)+" + LABEL + "$";
    public static final String FQDN_RULE = "must be a fully qualified DNS name (RFC 1123 labels, not an IP)";
}
