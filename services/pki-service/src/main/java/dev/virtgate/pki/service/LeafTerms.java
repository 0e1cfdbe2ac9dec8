package dev.virtgate.pki.service;

import dev.virtgate.pki.pki.CertificateFactory;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.support.error.UnavailableException;
import org.bouncycastle.cert.X509CertificateHolder;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;

/**
 * What every leaf this CA signs shares, host or API client: the active CA, a fresh 128-bit serial,
 * a validity window from now (back-dated for clocks that run slightly behind), and the record kept
 * once it is signed.
 */
record LeafTerms(CaCertificate ca, BigInteger serial, Instant issuedAt, Instant notBefore, Instant notAfter) {
    private static final Duration BACKDATE = Duration.ofMinutes(5);

    static LeafTerms startingNow(Duration validity, int retryAfterSeconds) {
        CaCertificate issuingCa = CaCertificate.current()
                .orElseThrow(() -> UnavailableException.retryAfterSeconds("no active CA", retryAfterSeconds));
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        return new LeafTerms(issuingCa, CertificateFactory.newSerial(), now, now.minus(BACKDATE), now.plus(validity));
    }

    /** The persisted record; renewal is due two thirds into the validity. */
    IssuedCertificate record(X509CertificateHolder cert, String hostId, String clusterId, String subjectDn,
            String libvirtDn, String reason) {
        IssuedCertificate issued = new IssuedCertificate();
        issued.serial = serial.toString(16);
        issued.hostId = hostId;
        issued.clusterId = clusterId;
        issued.subjectDn = subjectDn;
        issued.libvirtDn = libvirtDn;
        issued.certificatePem = Pem.write(cert);
        issued.caId = ca.id;
        issued.notBefore = notBefore;
        issued.notAfter = notAfter;
        issued.renewAfter = notBefore.plus(Duration.between(notBefore, notAfter).multipliedBy(2).dividedBy(3));
        issued.issuedAt = issuedAt;
        issued.reason = reason;
        issued.persist();
        return issued;
    }
}
