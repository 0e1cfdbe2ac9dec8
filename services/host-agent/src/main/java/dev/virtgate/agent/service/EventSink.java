package dev.virtgate.agent.service;

import dev.virtgate.contracts.Event;

/** Where the agent's events go (Kafka in production). */
public interface EventSink {
    void publish(Event event);
}
