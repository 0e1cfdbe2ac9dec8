package dev.virtgate.agent.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * A refused or unreadable record as it goes to the agent's dead-letter topic: key, value and
 * headers unchanged, plus the headers SmallRye's KafkaDeadLetterQueue wrote (the agent used it
 * before it owned its clients; consumers of the dead-letter topic read them).
 */
public final class DeadLetters {
    public static final String REASON = "dead-letter-reason";
    public static final String EXCEPTION_CLASS_NAME = "dead-letter-exception-class-name";
    public static final String CAUSE = "dead-letter-cause";
    public static final String CAUSE_CLASS_NAME = "dead-letter-cause-class-name";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";

    private DeadLetters() {
    }

    public static ProducerRecord<String, byte[]> record(String deadLetterTopic, ConsumerRecord<String, byte[]> failed,
            Throwable reason) {
        RecordHeaders headers = new RecordHeaders(failed.headers().toArray());
        headers.remove(REASON);
        headers.remove(EXCEPTION_CLASS_NAME);
        headers.remove(CAUSE);
        headers.remove(CAUSE_CLASS_NAME);
        headers.remove(TOPIC);
        headers.remove(PARTITION);
        headers.remove(OFFSET);
        add(headers, EXCEPTION_CLASS_NAME, reason.getClass().getName());
        add(headers, REASON, message(reason));
        if (reason.getCause() != null) {
            add(headers, CAUSE_CLASS_NAME, reason.getCause().getClass().getName());
            add(headers, CAUSE, message(reason.getCause()));
        }
        add(headers, TOPIC, failed.topic());
        add(headers, PARTITION, Integer.toString(failed.partition()));
        add(headers, OFFSET, Long.toString(failed.offset()));
        return new ProducerRecord<>(deadLetterTopic, null, failed.key(), failed.value(), headers);
    }

    private static String message(Throwable t) {
        return t.getMessage() == null ? t.getClass().getName() : t.getMessage();
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
