package dev.virtgate.pki.rest;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Pattern;

/** POST /v1/certificates: a host's CSR, with the host's own single-use enrollment token. */
public record IssueRequest(
        @NotBlank @Pattern(regexp = "^[a-z0-9][a-z0-9-]{0,62}$") String hostId,
        @NotBlank String csrPem,
        @NotBlank String enrollmentToken) {

    @Override
    public String toString() {
        return "IssueRequest[hostId=" + hostId + ", enrollmentToken=<redacted>]";
    }
}
