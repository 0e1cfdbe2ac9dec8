package dev.virtgate.e2e;

import dev.virtgate.contracts.CloudEventHeaders;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.awaitility.Awaitility;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

/** Reads virtgate topics from the beginning, as an independent observer of the bus. */
final class BusRecorder implements AutoCloseable {
    record Seen(String topic, String key, Map<String, String> headers, String payload) {
        String ceType() {
            return headers.get(CloudEventHeaders.TYPE);
        }
    }

    private final KafkaConsumer<String, byte[]> consumer;
    private final List<Seen> seen = new ArrayList<>();

    BusRecorder(String bootstrapServers, List<String> topics) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-observer-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(topics);
    }

    /** Polls until an event of this ce_type matching the predicate arrives. */
    Seen await(String ceType, Predicate<Seen> matching, Duration timeout) {
        return Awaitility.await(ceType).atMost(timeout).pollInterval(Duration.ofMillis(50))
                .until(() -> {
                    poll();
                    return find(ceType, matching);
                }, Optional::isPresent).orElseThrow();
    }

    private Optional<Seen> find(String ceType, Predicate<Seen> matching) {
        return seen.stream().filter(s -> ceType.equals(s.ceType())).filter(matching).findFirst();
    }

    private void poll() {
        for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
            Map<String, String> headers = new HashMap<>();
            for (Header header : record.headers()) {
                headers.put(header.key(), new String(header.value(), StandardCharsets.UTF_8));
            }
            seen.add(new Seen(record.topic(), record.key(), headers,
                    record.value() == null ? "" : new String(record.value(), StandardCharsets.UTF_8)));
        }
    }

    @Override
    public void close() {
        consumer.close();
    }
}
