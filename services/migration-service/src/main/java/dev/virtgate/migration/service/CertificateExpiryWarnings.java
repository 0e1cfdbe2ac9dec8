package dev.virtgate.migration.service;

import dev.virtgate.migration.repository.HostEntity;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Instant;
import java.util.List;

/**
 * Warns the public stream once per certificate when a host's current certificate is within the
 * alerts' threshold of its expiry and no renewal replaced it (a renewal brings a new serial, which
 * is warned about only when it too comes close). Rows locked, so two instances warn once.
 */
@ApplicationScoped
public class CertificateExpiryWarnings {

    @Inject
    PublicEvents publicEvents;

    @Scheduled(every = "${virtgate.public.cert-expiry-sweep:10m}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    @Transactional
    void warn() {
        Instant horizon = Instant.now().plus(PublicEvents.CERT_EXPIRY_WARNING);
        List<HostEntity> expiring = HostEntity.<HostEntity>find("decommissionedAt is null and certSerial is not null"
                + " and certRevokedAt is null and certNotAfter < ?1"
                + " and (certExpiryWarnedSerial is null or certExpiryWarnedSerial <> certSerial)", horizon)
                .withLock(LockModeType.PESSIMISTIC_WRITE).list();
        expiring.forEach(publicEvents::certificateExpiring);
    }
}
