package dev.virtgate.pki.rest;

import dev.virtgate.pki.repository.IssuedCertificate;

import java.time.Instant;
import java.util.List;

/** A certificate as operators see it. */
public record CertificateView(String serial, String hostId, String clusterId, String subjectDn, String libvirtDn,
        Instant notBefore, Instant notAfter, String reason, String status, Instant revokedAt, String revocationReason,
        String revokedBy, String supersededBy, String certificatePem, List<String> chainPem,
        List<String> caBundlePem) {

    public static CertificateView of(IssuedCertificate c, List<String> chain, List<String> bundle) {
        String status = c.revokedAt != null ? "REVOKED"
                : c.notAfter.isBefore(Instant.now()) ? "EXPIRED"
                : c.supersededBy != null ? "SUPERSEDED" : "VALID";
        return new CertificateView(c.serial, c.hostId, c.clusterId, c.subjectDn, c.libvirtDn, c.notBefore,
                c.notAfter, c.reason, status, c.revokedAt, c.revocationReason, c.revokedBy,
                c.supersededBy, c.certificatePem,
                chain, bundle);
    }
}
