package dev.virtgate.e2e.lab;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.Event;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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

/** An independent observer of virtgate topics, and a raw publisher (for forged commands). */
final class LabBus implements AutoCloseable {
    record Seen(String topic, String key, Map<String, String> headers, String payload) {
        String ceType() {
            return headers.get(CloudEventHeaders.TYPE);
        }
    }

    private final String bootstrap;
    private final KafkaConsumer<String, byte[]> consumer;
    private final List<Seen> seen = new ArrayList<>();

    LabBus(String bootstrap, List<String> topics) {
        this.bootstrap = bootstrap;
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "e2e-lab-observer-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        consumer = new KafkaConsumer<>(props);
        consumer.subscribe(topics);
    }

    synchronized Seen await(String ceType, Predicate<Seen> matching, Duration timeout) {
        return Awaitility.await(ceType).atMost(timeout).pollInterval(Duration.ofMillis(100))
                .until(() -> {
                    poll();
                    return seen.stream().filter(s -> ceType.equals(s.ceType())).filter(matching).findFirst();
                }, Optional::isPresent).orElseThrow();
    }

    synchronized List<Seen> all(String ceType) {
        poll();
        return seen.stream().filter(s -> ceType.equals(s.ceType())).toList();
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

    /** Publishes straight onto a topic with CloudEvents headers, as anyone with write access to the bus could. */
    void publish(String topic, String source, Event event) {
        Properties props = new Properties();
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            EventEnvelope envelope = EventEnvelope.of(source, event);
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, event.subject(),
                    new EventCodec().encode(event));
            envelope.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record);
            producer.flush();
        }
    }

    @Override
    public synchronized void close() {
        consumer.close();
    }
}
