package dev.virtgate.credential.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.credential.service.FollowUpRunner;
import dev.virtgate.credential.service.HostEventsProcessor;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Consumes {@code virtgate.hosts} in batches (acknowledgements of thousands of hosts arrive at
 * once during a rotation). Poison records are parked one by one; the rest of the batch is applied
 * in one transaction; OpenBao follow-ups run after the commit.
 */
@ApplicationScoped
public class HostEventsConsumer {
    private static final Logger LOG = Logger.getLogger(HostEventsConsumer.class);
    static final String CONSUMER = "hosts-in";
    private static final Set<EventType> HANDLED = Set.of(EventType.HOST_REGISTERED, EventType.HOST_DECOMMISSIONED,
            EventType.HOST_ENROLLED, EventType.HOST_CONFIGURED);
    private static final int ATTEMPTS = 3;

    @Inject
    InboundEvents inbound;

    @Inject
    HostEventsProcessor processor;

    @Inject
    FollowUpRunner followUps;

    @Inject
    DeadLetters deadLetters;

    @Incoming("hosts-in")
    @Blocking
    public void on(ConsumerRecords<String, byte[]> batch) {
        long started = System.nanoTime();
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(batch.count());
        List<Event> events = new ArrayList<>(batch.count());
        for (ConsumerRecord<String, byte[]> record : batch) {
            String ceType = header(record, CloudEventHeaders.TYPE);
            if (ceType != null && EventType.ofCeType(ceType).filter(t -> !HANDLED.contains(t)).isPresent()) {
                continue; // another family's event on this topic
            }
            try {
                events.add(inbound.decode(record).event());
                records.add(record);
            } catch (InvalidEventException e) {
                deadLetters.park(record, e.getMessage());
            }
        }
        if (events.isEmpty()) {
            return;
        }
        HostEventsProcessor.FollowUps pending = null;
        for (int attempt = 1; pending == null; attempt++) {
            try {
                pending = processor.process(events, i -> inbound.firstDelivery(CONSUMER, records.get(i)).isPresent());
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("batch of %d host events failed (attempt %d), retrying: %s", events.size(), attempt,
                        e.getMessage());
            }
        }
        long applied = System.nanoTime();
        followUps.run(pending);
        LOG.debugf("batch of %d records (%d host events) applied in %d ms", batch.count(), events.size(),
                (applied - started) / 1_000_000);
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
