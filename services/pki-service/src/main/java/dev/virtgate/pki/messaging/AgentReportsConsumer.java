package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.pki.service.RenewalService;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** virtgate.pki: renewal CSRs from agents; this service's own events on the topic are skipped. */
@ApplicationScoped
public class PkiEventsConsumer {

    @Inject
    InboundEvents inbound;

    @Inject
    RenewalService renewal;

    @Inject
    UntilTransitAnswers untilTransitAnswers;

    @Incoming("pki-in")
    @Blocking
    public void on(ConsumerRecord<String, byte[]> record) {
        String ceType = InboundEvents.headers(record).get(CloudEventHeaders.TYPE);
        if (ceType != null && EventType.ofCeType(ceType).isPresent()
                && !EventType.CSR_SUBMITTED.ceType().equals(ceType)) {
            return;
        }
        untilTransitAnswers.run("event " + record.topic() + "@" + record.offset(), () ->
                inbound.firstDelivery("pki-in", record).ifPresent(received -> {
                    if (received.event() instanceof CsrSubmitted submitted) {
                        renewal.onCsrSubmitted(submitted);
                    }
                }));
    }
}
