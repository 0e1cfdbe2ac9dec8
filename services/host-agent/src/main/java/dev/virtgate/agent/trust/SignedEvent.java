package dev.virtgate.agent.trust;

import dev.virtgate.contracts.EventEnvelope;

import java.util.Map;

/** One event as it goes on the bus: its CloudEvents attributes, the headers (with signature) and the payload bytes. */
public record SignedEvent(EventEnvelope envelope, Map<String, String> headers, byte[] payload) {
}
