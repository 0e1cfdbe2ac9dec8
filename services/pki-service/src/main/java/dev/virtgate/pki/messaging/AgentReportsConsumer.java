package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.pki.service.IssuanceService;
import dev.virtgate.pki.service.RenewalService;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.error.UnavailableException;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.support.inbox.ReceivedEvent;
import dev.virtgate.support.metrics.RefusedEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.Set;

/**
 * virtgate.agents.reports: enrollments (CSR + proof) and renewal CSRs from agents; their posture
 * reports on the same topic are skipped undecoded.
 */
@ApplicationScoped
public class AgentReportsConsumer {
    private static final Logger LOG = Logger.getLogger(AgentReportsConsumer.class);
    static final Set<String> HANDLED = Set.of(EventType.HOST_ENROLLED.ceType(), EventType.CSR_SUBMITTED.ceType());

    @Inject
    RefusedEvents refusals;

    @Inject
    InboundEvents inbound;

    @Inject
    IssuanceService issuance;

    @Inject
    RenewalService renewal;

    @Inject
    UntilReady untilReady;

    @Incoming("reports-in")
    @Blocking
    public void on(ConsumerRecord<String, byte[]> record) {
        String ceType = InboundEvents.headers(record).get(CloudEventHeaders.TYPE);
        if (ceType != null && EventType.ofCeType(ceType).isPresent() && !HANDLED.contains(ceType)) {
            return;
        }
        untilReady.run("event " + record.topic() + "@" + record.offset(), () ->
                inbound.firstDelivery("reports-in", record).ifPresent(received -> {
                    if (received.event() instanceof HostEnrolled enrolled) {
                        enroll(received, enrolled);
                    } else if (received.event() instanceof CsrSubmitted submitted) {
                        renewal.onCsrSubmitted(submitted);
                    }
                }));
    }

    /** A refused enrollment issues nothing and is dead-lettered with the reason (its binding rolls back). */
    private void enroll(ReceivedEvent received, HostEnrolled enrolled) {
        try {
            issuance.enroll(enrolled);
        } catch (UnavailableException e) {
            throw e; // the CA is not ready: retried, not refused
        } catch (DomainException e) {
            EventRefusedException refusal = new EventRefusedException(received.producer().toString(),
                    received.envelope().type().ceType(), enrolled.hostId(), e.getMessage());
            if (e instanceof NotFoundException) {
                throw new RegistrationPendingException(enrolled.hostId(), refusal);
            }
            LOG.warnf("HostEnrolled for host %s refused, nothing issued: %s", enrolled.hostId(), e.getMessage());
            refusals.count(received.envelope().type().ceType(), RefusedEvents.STATE);
            throw refusal;
        }
    }
}
