package dev.virtgate.migration.rest;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import org.eclipse.microprofile.openapi.annotations.media.Schema;

/** A request to migrate (or to plan migrating) one VM; the VM name is the libvirt domain name. */
public record MigrationRequest(
        @NotBlank @Schema(description = "libvirt domain name; another syntax is refused with 422",
                pattern = "^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$") String vmName,
        @NotBlank String sourceHostId,
        @NotBlank String destinationHostId,
        @Min(1) @Max(100_000) Integer bandwidthMiBps) {
}
