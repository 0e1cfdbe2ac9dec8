package dev.virtgate.migration.messaging;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.migration.service.HostUpdates;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * virtgate.pki: issued and revoked certificates decide TLS-readiness. Only pki-service's signed
 * events get past InboundEvents (the authorization table); anything else is dead-lettered.
 */
@ApplicationScoped
public class PkiEventsConsumer {

    @Inject
    InboundEvents inbound;

    @Inject
    HostUpdates hosts;

    @Incoming("pki-in")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, byte[]> record) {
        inbound.firstDelivery("pki-in", record).ifPresent(received -> {
            if (received.event() instanceof CertIssued issued) {
                hosts.apply(issued);
            } else if (received.event() instanceof CertRevoked revoked) {
                hosts.apply(revoked);
            }
        });
    }
}
