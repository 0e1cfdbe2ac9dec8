package dev.virtgate.migration.messaging;

import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.migration.service.HostUpdates;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * virtgate.agents.reports: enrolments (capabilities) and configuration acks (posture); renewal CSRs
 * are ignored. This service writes the registrations itself, so a host is known before its agent
 * can enroll.
 * Every record is verified first (signature, signer certificate, authorization table): a forgery
 * goes to virtgate.dlq.migration-service and changes nothing.
 */
@ApplicationScoped
public class AgentReportsConsumer {

    @Inject
    InboundEvents inbound;

    @Inject
    HostUpdates hosts;

    @Incoming("reports-in")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, byte[]> record) {
        inbound.firstDelivery("reports-in", record).ifPresent(received -> {
            if (received.event() instanceof HostEnrolled enrolled) {
                hosts.apply(enrolled, received);
            } else if (received.event() instanceof HostConfigured configured) {
                hosts.apply(configured, received);
            }
        });
    }
}
