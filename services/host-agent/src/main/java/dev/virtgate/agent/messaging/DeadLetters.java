package dev.virtgate.agent.messaging;

import dev.virtgate.bus.DeadLetterHeaders;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * A refused or unreadable record as it goes to the agent's dead-letter topic: key and value
 * unchanged, headers with the dead-letter ones of {@link DeadLetterHeaders} (those SmallRye wrote
 * when the agent still used its channels; consumers of the dead-letter topic read them).
 */
public final class DeadLetters {
    private DeadLetters() {
    }

    public static ProducerRecord<String, byte[]> record(String deadLetterTopic, ConsumerRecord<String, byte[]> failed,
            Throwable reason) {
        return new ProducerRecord<>(deadLetterTopic, null, failed.key(), failed.value(),
                DeadLetterHeaders.of(failed, DeadLetterHeaders.messageOf(reason), reason));
    }
}
