package dev.virtgate.pki.rest;

import org.eclipse.microprofile.openapi.annotations.media.Schema;

/**
 * POST /v1/client-certificates. Fields are checked by the service, so that each refusal names its
 * field the same way whatever the cause; validity is ISO-8601 (P7D), optional.
 */
public record ClientCertificateRequest(
        @Schema(required = true, pattern = "^[a-z][a-z0-9._-]{0,55}$") String name,
        @Schema(required = true, enumeration = {"operator", "viewer"}) String role,
        @Schema(required = true, description = "PEM PKCS#10 request") String csrPem,
        @Schema(description = "ISO-8601 duration such as P7D, positive, at most the configured maximum",
                pattern = "^P") String validity) {
}
