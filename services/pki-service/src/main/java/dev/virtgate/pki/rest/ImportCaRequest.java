package dev.virtgate.pki.rest;

import jakarta.validation.constraints.NotBlank;

import java.util.List;

/** Intermediate mode: the certificate signed offline for GET /v1/ca/csr, and its issuers. */
public record ImportCaRequest(@NotBlank String certificatePem, List<String> chainPem) {
}
