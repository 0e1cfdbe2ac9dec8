package dev.virtgate.testsupport;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
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
import java.util.concurrent.ExecutionException;
import java.util.function.Predicate;

/**
 * The bus as another process sees it, for tests: publish events with CloudEvents headers (as an
 * agent, a service or anyone with write access would) and record what the services publish.
 */
public final class EventBus {
    private static final EventCodec CODEC = new EventCodec();

    private EventBus() {
    }

    /**
     * Client settings for test harness code on the test broker at {@code bootstrapServers}: the super
     * user, which models "someone with write access to the broker" in the attack tests.
     */
    public static Map<String, Object> clientProps(String bootstrapServers) {
        Map<String, Object> props = new java.util.HashMap<>(KafkaServer.shared().harnessConfig());
        props.put("bootstrap.servers", bootstrapServers);
        return props;
    }

    /** Publishes a schema-valid event on its topic, keyed by its subject; waits for the broker's ack. */
    public static EventEnvelope publish(String bootstrapServers, String source, Event event) {
        EventEnvelope envelope = EventEnvelope.of(source, event);
        publish(bootstrapServers, envelope.type().topic(), envelope.subject(), envelope.headers(), CODEC.encode(event));
        return envelope;
    }

    /** Publishes raw bytes with the given headers: for poison events and forgeries. */
    public static void publish(String bootstrapServers, String topic, String key, Map<String, String> headers,
            byte[] payload) {
        Properties props = new Properties();
        props.putAll(clientProps(bootstrapServers));
        props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        props.put(ProducerConfig.ACKS_CONFIG, "all");
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props)) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, payload);
            headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record).get();
        } catch (ExecutionException e) {
            throw new IllegalStateException("publish to " + topic + " failed", e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A record as observed on the bus. */
    public record Seen(String topic, String key, Map<String, String> headers, String payload) {
        public String ceType() {
            return headers.get(CloudEventHeaders.TYPE);
        }
    }

    /** Reads topics from the beginning with a consumer group of its own. */
    public static final class Recorder implements AutoCloseable {
        private final KafkaConsumer<String, byte[]> consumer;
        private final List<Seen> seen = new ArrayList<>();

        public Recorder(String bootstrapServers, List<String> topics) {
            Properties props = new Properties();
            props.putAll(clientProps(bootstrapServers));
            props.put(ConsumerConfig.GROUP_ID_CONFIG, "test-observer-" + UUID.randomUUID());
            props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
            props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
            props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
            consumer = new KafkaConsumer<>(props);
            consumer.subscribe(topics);
        }

        /** Polls until an event of this ce_type matching the predicate has arrived. */
        public synchronized Seen await(String ceType, Predicate<Seen> matching, Duration timeout) {
            return Awaitility.await(ceType).atMost(timeout).pollInterval(Duration.ofMillis(50))
                    .until(() -> {
                        poll();
                        return seen.stream().filter(s -> ceType.equals(s.ceType())).filter(matching).findFirst();
                    }, Optional::isPresent).orElseThrow();
        }

        /** Everything of this ce_type seen so far (after one more poll). */
        public synchronized List<Seen> all(String ceType) {
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

        @Override
        public synchronized void close() {
            consumer.close();
        }
    }
}
