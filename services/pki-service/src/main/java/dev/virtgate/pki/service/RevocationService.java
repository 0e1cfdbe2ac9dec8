package dev.virtgate.pki.service;

import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.pki.bus.HostBusChanged;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CrlRecord;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.time.temporal.ChronoUnit;

/** Revokes a certificate, re-signs its CA's CRL and, for a host certificate, emits CertRevoked carrying that CRL. */
@ApplicationScoped
public class RevocationService {
    private static final Logger LOG = Logger.getLogger(RevocationService.class);

    @Inject
    CaService ca;

    @Inject
    CrlService crls;

    @Inject
    OutboxWriter outbox;

    @Inject
    AuditRecorder audit;

    @Inject
    Event<HostBusChanged> hostBusChanged;

    @Transactional
    public IssuedCertificate revoke(String serial, String reason, String revokedBy) {
        ca.requireReady();
        IssuedCertificate cert = IssuedCertificate.findById(serial, LockModeType.PESSIMISTIC_WRITE);
        if (cert == null) {
            throw new NotFoundException("certificate " + serial + " not found");
        }
        if (cert.isRevoked()) {
            throw new ConflictException("certificate " + serial + " is already revoked");
        }
        IssuedCertificate revoked = revoke(cert, reason);
        revoked.revokedBy = revokedBy;
        audit.accepted(auditEntry(cert, cert.serial, reason));
        return revoked;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public IssuedCertificate revoke(IssuedCertificate cert, String reason) {
        cert.revokedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        cert.revocationReason = reason;
        CaCertificate issuer = CaCertificate.findById(cert.caId);
        CrlRecord crl = crls.regenerate(issuer);
        // CertRevoked is about hosts (its schema admits host ids only); a client's or signer's is in the CRL
        if (IssuedCertificate.isHostId(cert.hostId)) {
            outbox.write(new CertRevoked(cert.hostId, cert.clusterId, cert.serial, cert.libvirtDn, reason,
                    cert.revokedAt, crl.crlPem));
            hostBusChanged.fire(new HostBusChanged(cert.hostId)); // no valid one left: off the bus
        }
        LOG.infof("certificate %s of host %s revoked (%s); CRL #%d", cert.serial, cert.hostId, reason, crl.crlNumber);
        return cert;
    }

    /**
     * The audit entry of an operator's revocation; the actor is the caller's principal. A client's or
     * signer's certificate names no host (its hostId, e.g. {@code client:<name>}, is in the detail).
     */
    public static AuditEntry auditEntry(IssuedCertificate cert, String serial, String reason) {
        AuditEntry entry = AuditEntry.of(AuditActions.CERTIFICATE_REVOKE, serial).detail("reason=" + reason);
        if (cert == null) {
            return entry;
        }
        return IssuedCertificate.isHostId(cert.hostId) ? entry.host(cert.hostId).cluster(cert.clusterId)
                : entry.cluster(cert.clusterId).detail("holder=" + cert.hostId + " reason=" + reason);
    }

    /** A decommissioned host loses every certificate it still holds. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void revokeAllOf(String hostId, String reason) {
        for (IssuedCertificate cert : IssuedCertificate.<IssuedCertificate>list(
                "hostId = ?1 and revokedAt is null and notAfter > ?2", hostId, Instant.now())) {
            revoke(cert, reason);
        }
    }
}
