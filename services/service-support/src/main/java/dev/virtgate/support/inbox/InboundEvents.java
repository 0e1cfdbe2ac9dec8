package dev.virtgate.support.inbox;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.support.metrics.RefusedEvents;
import dev.virtgate.support.config.ServiceIdentity;
import dev.virtgate.support.trust.EventTrust;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.EntityManager;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Turns a Kafka record into a validated, authenticated event, exactly once per consumer. Invalid
 * or unauthenticated records throw
 * {@link dev.virtgate.contracts.InvalidEventException}, which nacks them to the dead-letter topic;
 * a redelivered event returns empty. Must run inside the consumer's transaction, so the log entry
 * commits with the state change it guards.
 */
@ApplicationScoped
public class InboundEvents {
    private static final Logger LOG = Logger.getLogger(InboundEvents.class);

    @Inject
    EventCodec codec;

    @Inject
    ServiceIdentity identity;

    @Inject
    EntityManager em;

    @Inject
    EventTrust trust;

    @Inject
    RefusedEvents refusals;

    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<ReceivedEvent> firstDelivery(String consumer, ConsumerRecord<String, byte[]> record) {
        return firstDelivery(consumer, decode(record));
    }

    /** The same for an event {@link #decode} already verified (a batch consumer verifies ahead of its transaction). */
    @Transactional(Transactional.TxType.MANDATORY)
    public Optional<ReceivedEvent> firstDelivery(String consumer, ReceivedEvent received) {
        String key = identity.name() + ":" + consumer + "/" + received.id();
        if (em.find(ProcessedEvent.class, key) != null) {
            LOG.debugf("skipping duplicate %s %s", received.envelope().type().ceType(), received.id());
            return Optional.empty();
        }
        ProcessedEvent processed = new ProcessedEvent();
        processed.id = key;
        processed.ceType = received.envelope().type().ceType();
        processed.processedAt = Instant.now();
        em.persist(processed);
        return Optional.of(received);
    }

    /**
     * Decodes and verifies without recording: the event is schema-valid and its producer proven
     * (signature, signer certificate, authorization table), or this throws and nothing is handled.
     */
    public ReceivedEvent decode(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = headers(record);
        EventEnvelope envelope;
        Event event;
        try {
            envelope = EventEnvelope.fromHeaders(headers);
            event = codec.decode(envelope.type(), record.value());
        } catch (EventRefusedException e) {
            throw e;
        } catch (InvalidEventException e) {
            refusals.count(headers.get(CloudEventHeaders.TYPE), RefusedEvents.INVALID);
            throw e;
        }
        return new ReceivedEvent(envelope, event, trust.verify(envelope, headers, record.value(), event));
    }

    public static Map<String, String> headers(ConsumerRecord<?, ?> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            if (header.value() != null) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
        }
        return headers;
    }
}
