package dev.virtgate.migration.service;

import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.support.inbox.ReceivedEvent;
import dev.virtgate.support.metrics.RefusedEvents;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Refusals that need this service's own state (the registered enrollment key, a migration's source
 * host, the clock), on top of the signature and the authorization table that InboundEvents already
 * checked. Logged once and counted like those; thrown, the event goes to virtgate.dlq.migration-service
 * with the reason and its transaction rolls back.
 */
@ApplicationScoped
public class Refusals {
    private static final Logger LOG = Logger.getLogger(Refusals.class);

    @Inject
    RefusedEvents counted;

    public EventRefusedException refuse(ReceivedEvent received, String reason) {
        String ceType = received.envelope().type().ceType();
        EventRefusedException refused = new EventRefusedException(received.producer().toString(), ceType,
                received.envelope().subject(), reason);
        LOG.warnf("%s", refused.getMessage());
        counted.count(ceType, RefusedEvents.STATE);
        return refused;
    }
}
