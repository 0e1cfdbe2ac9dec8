package dev.virtgate.pki.service;

import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CaLock;
import dev.virtgate.pki.trust.TrustChanged;
import dev.virtgate.support.error.ConflictException;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyInfo;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Event;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;

/** Root mode CA rotation: the next CA on a new Transit key version, and retirement of drained old CAs. */
@ApplicationScoped
public class CaRotation {
    // logs under CaService's category, as before the CA lifecycle was split into classes
    private static final Logger LOG = Logger.getLogger(CaService.class);

    @Inject
    PkiConfig config;

    @Inject
    TransitCa transit;

    @Inject
    CaService ca;

    @Inject
    CaCreation creation;

    @Inject
    CrlService crls;

    @Inject
    Event<TrustChanged> trustChanged;

    @Inject
    CaLock caLock;

    /** Rotates the Transit key and creates the next CA certificate; the previous CA stays in the bundle. */
    @Transactional
    public CaCertificate rotate() {
        ca.requireReady();
        if (config.mode() != PkiConfig.CaMode.ROOT) {
            throw new ConflictException("intermediate mode: rotate by importing a new intermediate");
        }
        caLock.holdUntilCommit();
        int version = transit.keys().rotate();
        VaultSecretsTransitKeyInfo key = transit.keys().read().orElseThrow();
        CaCertificate next = creation.createRoot(key, version);
        crls.regenerate(next);
        LOG.infof("CA rotated: new CA %s on Transit key v%d; previous CAs stay in the bundle until drained",
                next.serial, version);
        return next;
    }

    /** Drops rotated-out CAs from the bundle once no live certificate depends on them. */
    @Transactional
    public int retireDrained() {
        var current = CaCertificate.current();
        if (current.isEmpty()) {
            return 0;
        }
        Instant now = Instant.now();
        int retired = 0;
        for (CaCertificate old : CaCertificate.active()) {
            if (old.id.equals(current.get().id)) {
                continue;
            }
            boolean overlapDone = !current.get().createdAt.plus(config.rotationMinOverlap()).isAfter(now);
            if (overlapDone && dev.virtgate.pki.repository.IssuedCertificate.liveUnder(old.id, now).isEmpty()) {
                old.status = CaCertificate.Status.RETIRED;
                old.retiredAt = now;
                retired++;
                LOG.infof("CA %s (Transit v%d) retired: it leaves the CA bundle", old.serial, old.keyVersion);
            }
        }
        if (retired > 0) {
            trustChanged.fire(new TrustChanged(retired + " CA(s) retired"));
        }
        return retired;
    }
}
