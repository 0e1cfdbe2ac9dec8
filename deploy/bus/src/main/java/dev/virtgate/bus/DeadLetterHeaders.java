package dev.virtgate.bus;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;

import java.nio.charset.StandardCharsets;

/**
 * The headers of a record parked on a dead-letter topic, for every component that parks records
 * itself rather than through SmallRye's dead-letter strategy: the failed record's own headers, plus
 * the ones SmallRye's KafkaDeadLetterQueue writes (so a reader of any dead-letter topic finds the
 * same names). Earlier dead-letter headers of the record are replaced, not repeated.
 */
public final class DeadLetterHeaders {
    public static final String REASON = "dead-letter-reason";
    public static final String EXCEPTION_CLASS_NAME = "dead-letter-exception-class-name";
    public static final String CAUSE = "dead-letter-cause";
    public static final String CAUSE_CLASS_NAME = "dead-letter-cause-class-name";
    public static final String TOPIC = "dead-letter-topic";
    public static final String PARTITION = "dead-letter-partition";
    public static final String OFFSET = "dead-letter-offset";

    private DeadLetterHeaders() {
    }

    /** {@code reason} names fields and producers, never values; {@code error} (nullable) adds its class and cause. */
    public static RecordHeaders of(ConsumerRecord<?, ?> failed, String reason, Throwable error) {
        RecordHeaders headers = new RecordHeaders(failed.headers().toArray());
        for (String name : new String[] {REASON, EXCEPTION_CLASS_NAME, CAUSE, CAUSE_CLASS_NAME, TOPIC, PARTITION, OFFSET}) {
            headers.remove(name);
        }
        if (error != null) {
            add(headers, EXCEPTION_CLASS_NAME, error.getClass().getName());
        }
        add(headers, REASON, reason);
        if (error != null && error.getCause() != null) {
            add(headers, CAUSE_CLASS_NAME, error.getCause().getClass().getName());
            add(headers, CAUSE, messageOf(error.getCause()));
        }
        add(headers, TOPIC, failed.topic());
        add(headers, PARTITION, Integer.toString(failed.partition()));
        add(headers, OFFSET, Long.toString(failed.offset()));
        return headers;
    }

    /** What a dead-letter reason says of an exception: its message, or its class when it has none. */
    public static String messageOf(Throwable t) {
        return t.getMessage() == null ? t.getClass().getName() : t.getMessage();
    }

    private static void add(RecordHeaders headers, String key, String value) {
        headers.add(key, value.getBytes(StandardCharsets.UTF_8));
    }
}
