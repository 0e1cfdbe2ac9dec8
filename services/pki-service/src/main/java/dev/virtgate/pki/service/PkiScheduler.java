package dev.virtgate.pki.service;

import dev.virtgate.pki.trust.TrustPublisher;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/** Periodic CA upkeep: bootstrap/health, renewal requests, CRL refresh before nextUpdate, CA retirement. */
@ApplicationScoped
public class PkiScheduler {
    private static final Logger LOG = Logger.getLogger(PkiScheduler.class);

    @Inject
    CaService ca;

    @Inject
    CaRotation rotation;

    @Inject
    RenewalService renewal;

    @Inject
    CrlService crls;

    @Inject
    TrustPublisher trust;

    /** The trust is published before this service's first event can leave (the relay holds rows until then). */
    void onStart(@Observes StartupEvent start) {
        ca.bootstrap();
        trust.publish();
    }

    @Scheduled(every = "${virtgate.pki.maintenance-interval:30s}", delayed = "5s",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void maintain() {
        ca.refresh();
        if (ca.notReadyReason() != null) {
            return;
        }
        try {
            renewal.requestDue();
            dev.virtgate.pki.repository.CaCertificate.current().ifPresent(renewal::requestReissueUnder);
            crls.refreshDue();
            rotation.retireDrained();
        } catch (RuntimeException e) {
            LOG.warnf("CA maintenance round failed, retried next round: %s", e.getMessage());
        }
    }
}
