package dev.virtgate.support.inbox;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.trust.Producer;

/** A decoded, schema-valid event with its CloudEvents attributes and its proven producer. */
public record ReceivedEvent(EventEnvelope envelope, Event event, Producer producer) {

    public String id() {
        return envelope.id();
    }
}
