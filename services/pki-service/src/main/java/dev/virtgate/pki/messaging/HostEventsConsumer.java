package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.service.HostRegistry;
import dev.virtgate.pki.service.RevocationService;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

import java.util.Set;

/**
 * virtgate.hosts: registrations (names, enrollment key) and decommissions from migration-service.
 * {@link InboundEvents} verifies each event's signature and producer before anything here runs; a
 * forgery never reaches the registry. Enrollments come from agents on their own topic
 * ({@link AgentReportsConsumer}).
 */
@ApplicationScoped
public class HostEventsConsumer {
    static final Set<String> HANDLED = Set.of(EventType.HOST_REGISTERED.ceType(),
            EventType.HOST_DECOMMISSIONED.ceType());

    @Inject
    InboundEvents inbound;

    @Inject
    HostRegistry registry;

    @Inject
    RevocationService revocation;

    @Inject
    UntilReady untilReady;

    @Incoming("hosts-in")
    @Blocking
    public void on(ConsumerRecord<String, byte[]> record) {
        String ceType = InboundEvents.headers(record).get(CloudEventHeaders.TYPE);
        if (ceType != null && EventType.ofCeType(ceType).isPresent() && !HANDLED.contains(ceType)) {
            return; // another service's event on a shared topic
        }
        untilReady.run("event " + record.topic() + "@" + record.offset(), () ->
                inbound.firstDelivery("hosts-in", record).ifPresent(received -> {
                    if (received.event() instanceof HostRegistered registered) {
                        registry.register(registered);
                    } else if (received.event() instanceof HostDecommissioned decommissioned) {
                        registry.decommission(decommissioned);
                        revocation.revokeAllOf(decommissioned.hostId(), "cessationOfOperation");
                    }
                }));
    }
}
