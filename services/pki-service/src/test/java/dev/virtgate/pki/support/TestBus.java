package dev.virtgate.pki.support;

import dev.virtgate.testsupport.EventBus;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestProducer;
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
import java.security.KeyPair;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.function.Predicate;

/**
 * Plain Kafka clients, as another service, an agent or an attacker would use them. Genuine events
 * are signed like their real producers sign them; {@link #publishUnsigned} is the attacker without a key.
 */
public final class TestBus {
    private static final EventCodec CODEC = new EventCodec();
    private static KafkaProducer<String, byte[]> producer;

    public static synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            Properties props = new Properties();
            props.putAll(EventBus.clientProps(KafkaServer.shared().bootstrapServers()));
            props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
            props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
            props.put(ProducerConfig.ACKS_CONFIG, "all");
            producer = new KafkaProducer<>(props);
        }
        return producer;
    }

    /** A genuine event of migration-service: its real Transit key, the signer chain pki-service published. */
    public static TestProducer.Signed asMigrationService(Event event) {
        return send(TestProducer.viaTransit(OpenBaoServer.shared(), EventAuthorization.MIGRATION_SERVICE).sign(event));
    }

    /** HostEnrolled as the enrolling agent sends it: signed by the key of the CSR it carries. */
    public static TestProducer.Signed asEnrollingHost(HostEnrolled event, KeyPair csrKey) {
        return send(TestProducer.withKey(agentSource(event.hostId()), csrKey, null).sign(event));
    }

    /** An agent's event, signed with its host key and carrying its host certificate. */
    public static TestProducer.Signed asHost(String hostId, Event event, KeyPair hostKey, String certificatePem) {
        return send(TestProducer.withKey(agentSource(hostId), hostKey, List.of(Pem.x509(certificatePem))).sign(event));
    }

    /** What anyone with write access and no key can send: CloudEvents headers, no signature. */
    public static EventEnvelope publishUnsigned(String source, Event event) {
        EventEnvelope envelope = EventEnvelope.of(source, event);
        publish(envelope, CODEC.encode(event));
        return envelope;
    }

    public static TestProducer.Signed send(TestProducer.Signed signed) {
        send(signed.envelope().type().topic(), signed.envelope().subject(), signed.headers(), signed.payload());
        return signed;
    }

    /** Raw bytes with the envelope's headers: poison events. */
    public static void publish(EventEnvelope envelope, byte[] payload) {
        send(envelope.type().topic(), envelope.subject(), envelope.headers(), payload);
    }

    private static void send(String topic, String key, Map<String, String> headers, byte[] payload) {
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(topic, key, payload);
        headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer().send(record).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String agentSource(String hostId) {
        return "/virtgate/host-agent/" + hostId;
    }

    /** The record pki-service parked on its dead-letter topic for event {@code ceId}. */
    public static ConsumerRecord<String, byte[]> awaitDeadLetter(String ceId) {
        return awaitRecord(Topics.deadLetter("pki-service"), r -> ceId.equals(header(r, CloudEventHeaders.ID)),
                Duration.ofSeconds(60));
    }

    /** Why it was parked: the exception message SmallRye puts into {@code dead-letter-reason}. */
    public static String deadLetterReason(ConsumerRecord<String, byte[]> record) {
        return header(record, "dead-letter-reason");
    }

    public static KafkaConsumer<String, byte[]> consumer(String topic) {
        Properties props = new Properties();
        props.putAll(EventBus.clientProps(KafkaServer.shared().bootstrapServers()));
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

    private TestBus() {
    }
}
