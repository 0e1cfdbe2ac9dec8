package dev.virtgate.agent.service;

import dev.virtgate.contracts.Event;

/** Where the agent's events go: signed with the host key, then to Kafka. */
public interface EventSink {
    void publish(Event event);
}
