package dev.virtgate.pki.service;

import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.CertificateFactory;
import dev.virtgate.pki.pki.CrlFactory;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CrlRecord;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.trust.TrustChanged;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;
import org.bouncycastle.cert.X509CRLHolder;

import java.math.BigInteger;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

/**
 * One CRL per CA in the bundle, signed through Transit with that CA's key version, published once
 * committed: in OpenBao for the services, and as a CrlPublished event (in the same transaction) for
 * the agents, at every re-signing, so that a quiet cluster's libvirtd never keeps a stale CRL.
 */
@ApplicationScoped
public class CrlService {

    @Inject
    PkiConfig config;

    @Inject
    TransitCa transit;

    @Inject
    Event<TrustChanged> trustChanged;

    @Inject
    OutboxWriter outbox;

    @Transactional(Transactional.TxType.MANDATORY)
    public CrlRecord regenerate(CaCertificate ca) {
        CrlRecord record = CrlRecord.findById(ca.id, LockModeType.PESSIMISTIC_WRITE);
        boolean fresh = record == null;
        if (fresh) {
            record = new CrlRecord();
            record.caId = ca.id;
        }
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        List<CrlFactory.Revoked> revoked = IssuedCertificate.revokedUnder(ca.id).stream()
                .map(c -> new CrlFactory.Revoked(new BigInteger(c.serial, 16), c.revokedAt,
                        CrlFactory.reasonCode(c.revocationReason)))
                .toList();
        long number = fresh ? 1 : record.crlNumber + 1;
        Instant nextUpdate = now.plus(config.crlValidity());
        X509CRLHolder crl = transit.crls().build(new CertificateFactory.Issuer(Pem.certificate(ca.certificatePem),
                ca.keyVersion), number, now, nextUpdate, revoked);
        record.crlNumber = number;
        record.crlPem = Pem.write(crl);
        record.thisUpdate = now;
        record.nextUpdate = nextUpdate;
        if (fresh) {
            record.persist();
        }
        outbox.write(new CrlPublished(EventSignatures.fingerprint(Pem.x509(ca.certificatePem)),
                crl.getIssuer().toString(), Long.toString(number), now, nextUpdate, record.crlPem));
        trustChanged.fire(new TrustChanged("CRL #" + number + " of CA " + ca.serial));
        return record;
    }

    /** The CRL of the given CA, or of the current one. */
    @Transactional
    public CrlRecord crl(CaCertificate ca) {
        CrlRecord record = CrlRecord.findById(ca.id);
        return record != null ? record : regenerate(ca);
    }

    /** Re-signs every CRL whose nextUpdate is closer than the configured margin. */
    @Transactional
    public int refreshDue() {
        int refreshed = 0;
        Instant due = Instant.now().plus(config.crlRefreshMargin());
        for (CaCertificate ca : CaCertificate.active()) {
            CrlRecord record = CrlRecord.findById(ca.id);
            if (record == null || record.nextUpdate.isBefore(due)) {
                regenerate(ca);
                refreshed++;
            }
        }
        return refreshed;
    }
}
