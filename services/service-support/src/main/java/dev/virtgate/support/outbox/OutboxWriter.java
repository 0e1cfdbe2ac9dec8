package dev.virtgate.support.outbox;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.support.config.ServiceIdentity;
import dev.virtgate.support.trust.EventSigner;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.nio.charset.StandardCharsets;
import java.util.UUID;

/**
 * Writes events into the outbox inside the caller's transaction: the event exists if and only if
 * the state change that caused it committed. The payload is validated against its schema and the
 * event signed with the service's Transit key here, so a re-sent row carries the same signature.
 */
@ApplicationScoped
public class OutboxWriter {

    @Inject
    EventCodec codec;

    @Inject
    ServiceIdentity identity;

    @Inject
    EventSigner signer;

    @Inject
    jakarta.enterprise.event.Event<OutboxRecord> written;

    @Transactional(Transactional.TxType.MANDATORY)
    public UUID write(dev.virtgate.contracts.Event event) {
        EventEnvelope envelope = EventEnvelope.of(identity.source(), event);
        OutboxEvent row = new OutboxEvent();
        row.eventId = UUID.fromString(envelope.id());
        row.topic = envelope.type().topic();
        row.recordKey = event.subject();
        row.ceType = envelope.type().ceType();
        row.ceSource = envelope.source();
        row.ceTime = envelope.time();
        byte[] payload = codec.encode(event);
        row.payload = new String(payload, StandardCharsets.UTF_8);
        row.signature = signer.sign(EventSignatures.signingInput(envelope, payload));
        row.persist();
        written.fire(OutboxRecord.of(row));
        return row.eventId;
    }
}
