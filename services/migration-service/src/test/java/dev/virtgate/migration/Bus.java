package dev.virtgate.migration;

import dev.virtgate.testsupport.EventBus;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.trust.TestProducer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
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
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** Plain Kafka clients playing the other services, the agents and the attacker in tests. */
public final class Bus {
    public static final EventCodec CODEC = new EventCodec();
    public static final String DEAD_LETTERS = Topics.deadLetter("migration-service");

    /** Publishes an event signed by {@code producer} (an agent, pki-service, or an attacker's key). */
    public static TestProducer.Signed publish(TestProducer producer, Event event) {
        return producer.publish(KafkaResource.bootstrapServers(), event);
    }

    public static void publish(TestProducer.Signed signed) {
        signed.publish(KafkaResource.bootstrapServers());
    }

    /** What anyone with write access to the broker can send: CloudEvents headers, no signature. */
    public static String publishUnsigned(Event event) {
        return TestProducer.publishUnsigned(KafkaResource.bootstrapServers(), "/virtgate/unsigned", event).id();
    }

    public static void publishRaw(String topic, String key, Map<String, String> headers, byte[] value) {
        publishRaw(EventBus.clientProps(KafkaResource.bootstrapServers()), topic, key, headers, value);
    }

    /** As {@link #publishRaw(String, String, Map, byte[])}, logged in with {@code clientConfig} (another principal). */
    public static void publishRaw(Map<String, Object> clientConfig, String topic, String key, Map<String, String> headers,
            byte[] value) {
        Properties props = new Properties();
        props.putAll(clientConfig);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(props, new StringSerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, value);
            headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Every record now on the topic (from the beginning to the current end) that matches. */
    public static List<ConsumerRecord<String, byte[]>> read(String topic,
            Predicate<ConsumerRecord<String, byte[]>> filter) {
        return read(EventBus.clientProps(KafkaResource.bootstrapServers()), "test-", topic, filter);
    }

    /** As {@link #read(String, Predicate)}, logged in with {@code clientConfig} in a group named {@code groupPrefix}... */
    public static List<ConsumerRecord<String, byte[]>> read(Map<String, Object> clientConfig, String groupPrefix,
            String topic, Predicate<ConsumerRecord<String, byte[]>> filter) {
        Properties props = new Properties();
        props.putAll(clientConfig);
        props.put(ConsumerConfig.GROUP_ID_CONFIG, groupPrefix + UUID.randomUUID());
        props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> matches = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(props, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<PartitionInfo> infos = consumer.partitionsFor(topic, Duration.ofSeconds(10));
            if (infos == null || infos.isEmpty()) {
                return matches;
            }
            List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(topic, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(record)) {
                        matches.add(record);
                    }
                }
            }
        }
        return matches;
    }

    /** Waits for this service's dead-letter records whose key (the event's subject) is {@code key}. */
    public static List<ConsumerRecord<String, byte[]>> awaitDeadLetters(String key, int atLeast) {
        return Awaitility.await(atLeast + " dead letters for " + key).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500))
                .until(() -> read(DEAD_LETTERS, r -> key.equals(r.key())), l -> l.size() >= atLeast);
    }

    /** Why the service refused a record, as the dead-letter topic says. */
    public static String reason(ConsumerRecord<?, ?> deadLetter) {
        return headers(deadLetter).get("dead-letter-reason");
    }

    public static Map<String, String> headers(ConsumerRecord<?, ?> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header header : record.headers()) {
            headers.put(header.key(), header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8));
        }
        return headers;
    }

    public static String ceType(ConsumerRecord<?, ?> record) {
        return headers(record).get("ce_type");
    }

    public static <T extends Event> T decode(ConsumerRecord<String, byte[]> record, Class<T> type) {
        return CODEC.decode(type, record.value());
    }

    public static String text(ConsumerRecord<String, byte[]> record) {
        return new String(record.value(), StandardCharsets.UTF_8);
    }

    private Bus() {
    }
}
