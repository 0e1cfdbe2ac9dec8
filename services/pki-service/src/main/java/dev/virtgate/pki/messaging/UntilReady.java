package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.EventType;
import dev.virtgate.pki.config.PkiConfig;
import dev.virtgate.pki.pki.TransitUnavailableException;
import dev.virtgate.support.error.UnavailableException;
import dev.virtgate.support.metrics.RefusedEvents;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * Runs an event's handling in its own transaction, again and again with growing pauses while
 * OpenBao Transit cannot sign: an outage delays enrollments, it does not dead-letter them. Only
 * after {@link PkiConfig#eventRetryFor()} does the failure propagate (and the event is parked).
 * A host's registration not seen yet ({@link RegistrationPendingException}) is waited for the
 * shorter {@link PkiConfig#registrationGrace()}: it comes on another topic, read by another thread.
 */
@ApplicationScoped
public class UntilReady {
    private static final Logger LOG = Logger.getLogger(UntilReady.class);
    private static final Duration FIRST_PAUSE = Duration.ofMillis(500);
    private static final Duration LONGEST_PAUSE = Duration.ofSeconds(15);

    @Inject
    PkiConfig config;

    @Inject
    RefusedEvents refusals;

    public void run(String what, Runnable handling) {
        Instant started = Instant.now();
        Instant giveUp = started.plus(config.eventRetryFor());
        Instant registrationGiveUp = started.plus(config.registrationGrace());
        Duration pause = FIRST_PAUSE;
        while (true) {
            try {
                QuarkusTransaction.requiringNew().run(handling);
                return;
            } catch (RegistrationPendingException e) {
                if (Instant.now().plus(pause).isAfter(registrationGiveUp)) {
                    refusals.count(EventType.HOST_ENROLLED.ceType(), RefusedEvents.STATE); // only HostEnrolled waits
                    throw e.refusal();
                }
                LOG.debugf("%s waits for the registration of host %s", what, e.hostId());
                pauseFor(pause);
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            } catch (RuntimeException e) {
                if (!causedByTransit(e) || Instant.now().plus(pause).isAfter(giveUp)) {
                    throw e;
                }
                LOG.warnf("%s waits for OpenBao Transit (next try in %d ms)", what, pause.toMillis());
                pauseFor(pause);
                pause = pause.multipliedBy(2).compareTo(LONGEST_PAUSE) > 0 ? LONGEST_PAUSE : pause.multipliedBy(2);
            }
        }
    }

    /** Transit unreachable, or the CA not ready (its key unreachable or missing): worth another try. */
    private static boolean causedByTransit(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof TransitUnavailableException || t instanceof UnavailableException) {
                return true;
            }
        }
        return false;
    }

    private static void pauseFor(Duration pause) {
        try {
            TimeUnit.MILLISECONDS.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for OpenBao Transit", e);
        }
    }
}
