package dev.virtgate.migration.rest;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;

/** A request to migrate (or to plan migrating) one VM; the VM name is the libvirt domain name. */
public record MigrationRequest(
        @NotBlank String vmName,
        @NotBlank String sourceHostId,
        @NotBlank String destinationHostId,
        @Min(1) @Max(100_000) Integer bandwidthMiBps) {
}
