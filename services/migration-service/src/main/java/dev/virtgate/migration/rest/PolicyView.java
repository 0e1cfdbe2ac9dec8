package dev.virtgate.migration.rest;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.virtgate.contracts.events.PolicyMode;

import java.time.Instant;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record PolicyView(String clusterId, PolicyMode mode, Instant windowExpiresAt, boolean windowOpen,
        String updatedBy, Instant updatedAt) {
}
