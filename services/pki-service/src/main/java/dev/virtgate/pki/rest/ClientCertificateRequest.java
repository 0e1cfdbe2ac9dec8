package dev.virtgate.pki.rest;

/**
 * POST /v1/client-certificates. Fields are checked by the service, so that each refusal names its
 * field the same way whatever the cause; validity is ISO-8601 (P7D), optional.
 */
public record ClientCertificateRequest(String name, String role, String csrPem, String validity) {
}
