package dev.virtgate.pki.support;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.testsupport.KafkaServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

/** Plain Kafka clients, as another service or agent would use them. */
public final class TestBus {
    private static final EventCodec CODEC = new EventCodec();
    private static KafkaProducer<String, byte[]> producer;

    public static synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaServer.shared().bootstrapServers());
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    /** Publishes an event with CloudEvents headers; returns its envelope. */
    public static EventEnvelope publish(Event event) {
        EventEnvelope envelope = EventEnvelope.of("/test/" + event.getClass().getSimpleName(), event);
        publish(envelope, CODEC.encode(event));
        return envelope;
    }

    public static void publish(EventEnvelope envelope, byte[] payload) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(envelope.type().topic(), envelope.subject(), payload);
        envelope.headers().forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer().send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public static KafkaConsumer<String, byte[]> consumer(String topic) {
        Properties props = new Properties();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, KafkaServer.shared().bootstrapServers());
        props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-" + UUID.randomUUID());
        props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props);
        consumer.subscribe(List.of(topic));
        return consumer;
    }

    /** Reads the topic from the beginning until a record matches. */
    public static ConsumerRecord<String, byte[]> awaitRecord(String topic, Predicate<ConsumerRecord<String, byte[]>> match,
            Duration timeout) {
        try (KafkaConsumer<String, byte[]> consumer = consumer(topic)) {
            List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
            Awaitility.await(topic).atMost(timeout).pollInterval(Duration.ofMillis(50)).until(() -> {
                for (ConsumerRecord<String, byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    if (match.test(r)) {
                        found.add(r);
                    }
                }
                return !found.isEmpty();
            });
            return found.get(0);
        }
    }

    /** Every record of the topic currently readable that matches (reads until idle). */
    public static List<ConsumerRecord<String, byte[]>> all(String topic, Predicate<ConsumerRecord<String, byte[]>> match) {
        List<ConsumerRecord<String, byte[]>> found = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = consumer(topic)) {
            int idle = 0;
            while (idle < 3) {
                var records = consumer.poll(Duration.ofMillis(700));
                if (records.isEmpty() && !consumer.assignment().isEmpty()) {
                    idle++;
                }
                records.forEach(r -> {
                    if (match.test(r)) {
                        found.add(r);
                    }
                });
            }
        }
        return found;
    }

    public static String header(ConsumerRecord<?, ?> record, String name) {
        var header = record.headers().lastHeader(name);
        return header == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }

    public static <T extends Event> T decode(Class<T> type, ConsumerRecord<String, byte[]> record) {
        return CODEC.decode(type, record.value());
    }

    public static Map<String, String> headers(EventEnvelope envelope) {
        return envelope.headers();
    }

    private TestBus() {
    }
}
