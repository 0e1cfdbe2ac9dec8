package dev.virtgate.migration.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;

import java.util.List;

/**
 * Registration of a hypervisor. {@code hostId} is optional (derived from the FQDN's first label);
 * the first migration address, if any, carries the memory stream.
 */
public record RegisterHostRequest(
        @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,62}", message = "must be lower-case letters, digits and '-', at most 63")
        String hostId,
        @NotBlank @Pattern(regexp = "[a-z0-9][a-z0-9-]{0,62}", message = "must be lower-case letters, digits and '-', at most 63")
        String clusterId,
        @NotBlank String fqdn,
        @Size(max = 16) List<String> dnsNames,
        @NotEmpty @Size(max = 16) List<String> managementAddresses,
        @Size(max = 16) List<String> migrationAddresses) {
}
