package dev.virtgate.contracts.trust;

import dev.virtgate.contracts.InvalidEventException;

import java.util.List;

/**
 * An event whose signature, signer or authorization does not hold. Like any invalid event it is
 * parked on the consumer's dead-letter topic with this message as the reason; the message names
 * the claimed producer, the type and the subject, never a payload value.
 */
public class EventRefusedException extends InvalidEventException {
    private final String producer;

    public EventRefusedException(String producer, String ceType, String subject, String reason) {
        super("refused " + ceType + " for subject " + subject + " from " + producer + ": " + reason,
                List.of("ce_signature"));
        this.producer = producer;
    }

    public String producer() {
        return producer;
    }
}
