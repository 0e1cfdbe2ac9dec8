package dev.virtgate.agent.service;

import dev.virtgate.agent.trust.SignedEvent;

/** Where the agent's signed events go (Kafka, through the spool for what must not be lost). */
public interface SignedEventSink {
    void send(SignedEvent event);
}
