package dev.virtgate.support.inbox;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventEnvelope;

/** A decoded, schema-valid event with its CloudEvents attributes. */
public record ReceivedEvent(EventEnvelope envelope, Event event) {

    public String id() {
        return envelope.id();
    }
}
