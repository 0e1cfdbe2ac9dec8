package dev.virtgate.migration.rest;

import dev.virtgate.contracts.events.PolicyMode;
import jakarta.validation.constraints.NotNull;

import java.time.Instant;

public record PolicyRequest(@NotNull PolicyMode mode, Instant windowExpiresAt) {
}
