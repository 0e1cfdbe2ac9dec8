package dev.virtgate.support.trust;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.support.metrics.RefusedEvents;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.util.Map;

/**
 * Every consumer's gate: an event is handled only once its signature, its signer's certificate and
 * the authorization table agree ({@link EventVerifier}). A refusal is logged once with producer,
 * type and subject, counted in {@code virtgate_events_refused_total{reason="untrusted"}}, and thrown on, which sends
 * the event to the consumer's dead-letter topic with the reason.
 */
@ApplicationScoped
public class EventTrust {
    private static final Logger LOG = Logger.getLogger(EventTrust.class);

    @Inject
    PublishedTrust trust;

    @Inject
    TrustConfig config;

    @Inject
    RefusedEvents refusals;

    private EventVerifier verifier;

    @PostConstruct
    void init() {
        verifier = new EventVerifier(trust, config.maxClockSkew(), Clock.systemUTC());
    }

    public Producer verify(EventEnvelope envelope, Map<String, String> headers, byte[] payload, Event event) {
        awaitPublishedTrust();
        try {
            return verifyOnce(envelope, headers, payload, event);
        } catch (EventRefusedException first) {
            if (!first.getMessage().contains("not from a trusted CA")) {
                throw counted(first, envelope);
            }
            trust.refresh(); // a CA rotated since the last read: once more with the current bundle
            try {
                return verifyOnce(envelope, headers, payload, event);
            } catch (EventRefusedException again) {
                throw counted(again, envelope);
            }
        }
    }

    private Producer verifyOnce(EventEnvelope envelope, Map<String, String> headers, byte[] payload, Event event) {
        return verifier.verify(envelope, headers, payload, event);
    }

    /** Before pki-service first published its CA nothing can be verified: wait, rather than refuse. */
    private void awaitPublishedTrust() {
        if (!trust.published() && !trust.awaitPublished(config.awaitPublished())) {
            LOG.warn("no CA bundle published in OpenBao yet: events cannot be verified");
        }
    }

    private EventRefusedException counted(EventRefusedException e, EventEnvelope envelope) {
        LOG.warnf("%s", e.getMessage());
        refusals.count(envelope.type().ceType(), RefusedEvents.UNTRUSTED);
        return e;
    }
}
