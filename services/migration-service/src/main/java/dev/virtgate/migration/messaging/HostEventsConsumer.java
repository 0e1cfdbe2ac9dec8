package dev.virtgate.migration.messaging;

import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.migration.service.HostRegistry;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** virtgate.hosts: enrolments (capabilities) and configuration acks (posture). Others are ignored. */
@ApplicationScoped
public class HostEventsConsumer {

    @Inject
    InboundEvents inbound;

    @Inject
    HostRegistry registry;

    @Incoming("hosts-in")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, byte[]> record) {
        inbound.firstDelivery("hosts-in", record).ifPresent(received -> {
            if (received.event() instanceof HostEnrolled enrolled) {
                registry.apply(enrolled);
            } else if (received.event() instanceof HostConfigured configured) {
                registry.apply(configured);
            }
        });
    }
}
