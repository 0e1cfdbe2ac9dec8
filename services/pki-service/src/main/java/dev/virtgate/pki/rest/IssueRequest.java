package dev.virtgate.pki.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/**
 * POST /v1/certificates: a host's CSR with the proof that it holds the host's one-time enrollment
 * token ({@link dev.virtgate.contracts.trust.EnrollmentKey#prove}), as HostEnrolled carries it.
 * pki-service never sees the token.
 */
public record IssueRequest(
        @NotBlank @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$") String hostId,
        @NotBlank String csrPem,
        @NotBlank String enrollmentProof) {
}
