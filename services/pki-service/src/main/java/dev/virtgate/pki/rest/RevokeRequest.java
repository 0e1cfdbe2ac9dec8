package dev.virtgate.pki.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

public record RevokeRequest(@NotBlank @Size(max = 256) String reason) {
}
