package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.service.HostRegistry;
import dev.virtgate.pki.service.IssuanceService;
import dev.virtgate.pki.service.RevocationService;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Set;

/** virtgate.hosts: registrations (names, token hash), decommissions, and enrollments (CSR + token). */
@ApplicationScoped
public class HostEventsConsumer {
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
                        issuance.enroll(enrolled);
                    }
                }));
    }
}
