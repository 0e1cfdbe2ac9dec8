package dev.virtgate.pki.service;

import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.repository.RegisteredHost;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.ForbiddenException;
import dev.virtgate.support.error.UnavailableException;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import io.quarkus.hibernate.orm.panache.PanacheQuery;
import jakarta.persistence.LockModeType;
import org.hibernate.Timeouts;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.io.IOException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.interfaces.RSAPublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.List;

/**
 * Renewal: asks hosts for a new CSR when a certificate passes two thirds of its life or its CA is
 * rotating, and issues the new certificate when the host proves possession of the current key.
 * The old certificate is not revoked: both stay valid until the old one expires.
 */
@ApplicationScoped
public class RenewalService {
    private static final Logger LOG = Logger.getLogger(RenewalService.class);
    public static final String LIFETIME = "LIFETIME";
    public static final String CA_ROTATION = "CA_ROTATION";
    /**
     * API client certificates have no host to ask for a CSR (their holders request new ones), and
     * event-signer certificates are re-issued by {@link SignerCertificateService}.
     */
    private static final String NOT_A_HOST = IssuedCertificate.NOT_A_HOST;

    @Inject
    IssuanceService issuance;

    @Inject
    CaService ca;

    @Inject
    OutboxWriter outbox;

    /** Emits CertRenewalRequested(LIFETIME) for every live certificate past two thirds of its life. */
    @Transactional
    public int requestDue() {
        Instant now = Instant.now();
        List<IssuedCertificate> due = lockedOrSkipped(IssuedCertificate.find("renewAfter <= ?1 and renewalRequestedAt is null "
                + "and revokedAt is null and supersededBy is null and notAfter > ?1 and hostId not like ?2", now,
                NOT_A_HOST));
        due.forEach(cert -> request(cert, LIFETIME, now));
        return due.size();
    }

    /** After a CA rotation: every live certificate under an older CA is asked to renew under the new one. */
    @Transactional
    public int requestReissueUnder(CaCertificate current) {
        Instant now = Instant.now();
        List<IssuedCertificate> old = lockedOrSkipped(IssuedCertificate.find("caId <> ?1 and revokedAt is null "
                + "and supersededBy is null and notAfter > ?2 and (renewalReason is null or renewalReason <> ?3) "
                + "and hostId not like ?4", current.id, now, CA_ROTATION, NOT_A_HOST));
        old.forEach(cert -> request(cert, CA_ROTATION, now));
        return old.size();
    }

    /**
     * Rows another transaction is asking about right now are skipped, not waited for: two sweeps at
     * once (the timer and a caller, or two instances) each ask for a certificate once, never twice.
     * Once that transaction commits, the marks it set exclude the rows from the next sweep.
     */
    private static List<IssuedCertificate> lockedOrSkipped(PanacheQuery<IssuedCertificate> query) {
        return query.withLock(LockModeType.PESSIMISTIC_WRITE)
                .withHint("jakarta.persistence.lock.timeout", Timeouts.SKIP_LOCKED_MILLI).list();
    }

    private void request(IssuedCertificate cert, String reason, Instant now) {
        cert.renewalRequestedAt = now;
        cert.renewalReason = reason;
        outbox.write(new CertRenewalRequested(cert.hostId, cert.clusterId, cert.serial, cert.notAfter, reason));
    }

    /** A renewal CSR: signed by the key of the host's current certificate. Refusals issue nothing and are logged. */
    @Transactional(Transactional.TxType.MANDATORY)
    public void onCsrSubmitted(CsrSubmitted event) {
        try {
            ca.requireReady();
            IssuedCertificate current = IssuedCertificate.findById(event.currentSerial(), LockModeType.PESSIMISTIC_WRITE);
            if (current == null || !current.hostId.equals(event.hostId())) {
                throw new ForbiddenException("current certificate unknown for this host");
            }
            if (!current.isLive(Instant.now())) {
                throw new ForbiddenException("current certificate is revoked, expired or already renewed");
            }
            CsrInspector.CsrFacts csr = CsrInspector.inspect(event.csrPem());
            verifyPossession(current, csr, event.possessionSignature());
            RegisteredHost host = issuance.lockHost(event.hostId());
            String reason = CA_ROTATION.equals(current.renewalReason) ? "CA_ROTATION" : "RENEWAL";
            IssuedCertificate renewed = issuance.issue(host, csr, reason);
            current.supersededBy = renewed.serial;
            LOG.infof("host %s renewed %s -> %s (%s)", host.hostId, current.serial, renewed.serial, reason);
        } catch (UnavailableException e) {
            throw e; // the CA is not ready: retried, not refused
        } catch (DomainException e) {
            LOG.warnf("CsrSubmitted for host %s refused, nothing issued: %s", event.hostId(), e.getMessage());
        }
    }

    static void verifyPossession(IssuedCertificate current, CsrInspector.CsrFacts csr, String signatureB64) {
        PublicKey key = Pem.x509(current.certificatePem).getPublicKey();
        try {
            Signature verifier = Signature.getInstance(key instanceof RSAPublicKey ? "SHA256withRSA" : "SHA256withECDSA");
            verifier.initVerify(key);
            verifier.update(csr.csr().getEncoded());
            if (!verifier.verify(Base64.getDecoder().decode(signatureB64))) {
                throw new ForbiddenException("possession signature does not verify with the current certificate");
            }
        } catch (ForbiddenException e) {
            throw e;
        } catch (IOException | java.security.GeneralSecurityException | IllegalArgumentException e) {
            throw new ForbiddenException("possession signature is malformed");
        }
    }
}
