package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.pki.service.HostRegistry;
import dev.virtgate.pki.service.IssuanceService;
import dev.virtgate.pki.service.RevocationService;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.support.inbox.ReceivedEvent;
import dev.virtgate.support.rest.ProblemException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.Set;

/**
 * virtgate.hosts: registrations (names, enrollment key) and decommissions from migration-service,
 * enrollments (CSR + proof) from agents. {@link InboundEvents} verifies each event's signature and
 * producer before anything here runs; a forgery never reaches the registry.
 */
@ApplicationScoped
public class HostEventsConsumer {
    private static final Logger LOG = Logger.getLogger(HostEventsConsumer.class);
    static final Set<String> HANDLED = Set.of(EventType.HOST_REGISTERED.ceType(),
            EventType.HOST_DECOMMISSIONED.ceType(), EventType.HOST_ENROLLED.ceType());

    @Inject
    InboundEvents inbound;

    @Inject
    HostRegistry registry;

    @Inject
    IssuanceService issuance;

    @Inject
    RevocationService revocation;

    @Inject
    UntilTransitAnswers untilTransitAnswers;

    @Incoming("hosts-in")
    @Blocking
    public void on(ConsumerRecord<String, byte[]> record) {
        String ceType = InboundEvents.headers(record).get(CloudEventHeaders.TYPE);
        if (ceType != null && EventType.ofCeType(ceType).isPresent() && !HANDLED.contains(ceType)) {
            return; // another service's event on a shared topic
        }
        untilTransitAnswers.run("event " + record.topic() + "@" + record.offset(), () ->
                inbound.firstDelivery("hosts-in", record).ifPresent(received -> {
                    if (received.event() instanceof HostRegistered registered) {
                        registry.register(registered);
                    } else if (received.event() instanceof HostDecommissioned decommissioned) {
                        registry.decommission(decommissioned);
                        revocation.revokeAllOf(decommissioned.hostId(), "cessationOfOperation");
                    } else if (received.event() instanceof HostEnrolled enrolled) {
                        enroll(received, enrolled);
                    }
                }));
    }

    /** A refused enrollment issues nothing and is dead-lettered with the reason (its binding rolls back). */
    private void enroll(ReceivedEvent received, HostEnrolled enrolled) {
        try {
            issuance.enroll(enrolled);
        } catch (ProblemException e) {
            if (e.status() == 503) {
                throw e; // the CA is not ready: retried, not refused
            }
            LOG.warnf("HostEnrolled for host %s refused, nothing issued: %s", enrolled.hostId(), e.getMessage());
            throw new EventRefusedException(received.producer().toString(), received.envelope().type().ceType(),
                    enrolled.hostId(), e.getMessage());
        }
    }
}
