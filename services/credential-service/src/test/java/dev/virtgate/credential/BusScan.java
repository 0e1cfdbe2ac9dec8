package dev.virtgate.credential;

import dev.virtgate.testsupport.EventBus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.testsupport.OpenBaoServer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;

/**
 * Every record on every virtgate topic from the beginning, as raw text (key, each header, value):
 * what anyone who can read the bus sees.
 */
public final class BusScan {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One record: where it is, who claims to have emitted it, and all its bytes as text. */
    record Seen(String where, String source, String text) {
    }

    private final List<Seen> seen;

    private BusScan(List<Seen> seen) {
        this.seen = seen;
    }

    public static BusScan everything(String bootstrap) {
        Properties p = new Properties();
        p.putAll(EventBus.clientProps(bootstrap));
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<Seen> seen = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            consumer.listTopics(Duration.ofSeconds(10)).forEach((topic, infos) -> {
                if (topic.startsWith("virtgate.")) {
                    infos.forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
                }
            });
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
            while (!reached(consumer, end.keySet(), end) && System.nanoTime() < deadline) {
                for (ConsumerRecord<byte[], byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(text(record));
                }
            }
        }
        return new BusScan(seen);
    }

    private static boolean reached(KafkaConsumer<?, ?> consumer, Collection<TopicPartition> partitions,
            Map<TopicPartition, Long> end) {
        return partitions.stream().allMatch(tp -> consumer.position(tp) >= end.get(tp));
    }

    private static Seen text(ConsumerRecord<byte[], byte[]> record) {
        StringBuilder all = new StringBuilder();
        String source = "";
        if (record.key() != null) {
            all.append(new String(record.key(), StandardCharsets.UTF_8)).append('\n');
        }
        for (Header header : record.headers()) {
            String value = header.value() == null ? "" : new String(header.value(), StandardCharsets.UTF_8);
            all.append(header.key()).append('=').append(value).append('\n');
            if (header.key().equals(CloudEventHeaders.SOURCE)) {
                source = value;
            }
        }
        if (record.value() != null) {
            all.append(new String(record.value(), StandardCharsets.UTF_8));
        }
        return new Seen(record.topic() + "@" + record.partition() + ":" + record.offset(), source, all.toString());
    }

    public int records() {
        return seen.size();
    }

    public long emittedBy(String source) {
        return seen.stream().filter(s -> s.source().equals(source)).count();
    }

    /** Where a secret appears (as is, or base64-encoded); names the record, never the secret. */
    public List<String> containing(Collection<String> secrets) {
        List<String> found = new ArrayList<>();
        for (String secret : secrets) {
            String b64 = Base64.getEncoder().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
            String b64url = Base64.getUrlEncoder().withoutPadding().encodeToString(secret.getBytes(StandardCharsets.UTF_8));
            for (Seen s : seen) {
                if (s.text().contains(secret) || s.text().contains(b64) || s.text().contains(b64url)) {
                    found.add("a secret of " + secret.length() + " characters in " + s.where() + " from " + s.source());
                }
            }
        }
        return found;
    }

    /** Every SASL password version OpenBao holds for any cluster. */
    public static List<String> storedPasswords(OpenBaoServer bao) {
        List<String> passwords = new ArrayList<>();
        JsonNode clusters = get(bao, "secret/metadata/virtgate/clusters?list=true").path("data").path("keys");
        for (JsonNode cluster : clusters) {
            String path = "virtgate/clusters/" + cluster.asText().replace("/", "") + "/libvirt-sasl";
            JsonNode versions = get(bao, "secret/metadata/" + path).path("data").path("versions");
            versions.fieldNames().forEachRemaining(v -> {
                String password = get(bao, "secret/data/" + path + "?version=" + v).path("data").path("data")
                        .path("password").asText("");
                if (!password.isEmpty()) {
                    passwords.add(password);
                }
            });
        }
        return passwords;
    }

    private static JsonNode get(OpenBaoServer bao, String path) {
        try {
            var response = bao.call("GET", path, null);
            return response.statusCode() == 200 ? JSON.readTree(response.body()) : JSON.createObjectNode();
        } catch (Exception e) {
            throw new IllegalStateException("OpenBao " + path, e);
        }
    }
}
