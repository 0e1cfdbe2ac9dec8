package dev.virtgate.agent.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.agent.it.TestPki;
import dev.virtgate.agent.openbao.OpenBaoAccess;
import dev.virtgate.agent.pki.Ecies;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent over real Kafka and OpenBao: enrollment at start, HostAccessGranted -> unwrap ->
 * AppRole login -> KV read, signed-command verification via transit, other hosts' commands
 * ignored, poison events to the dead-letter topic. libvirt is the test driver here (test:///default);
 * the real-libvirtd behaviour is covered by LibvirtdLockdownIT.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentFlowTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final EventCodec CODEC = new EventCodec();
    static final String HOST = "qt-h1";
    static final String PASSWORD = "qtPasswordAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static KafkaProducer<String, byte[]> producer;
    static KafkaConsumer<String, byte[]> consumer;
    static final List<ConsumerRecord<String, byte[]>> seen = new CopyOnWriteArrayList<>();
    static Thread poller;
    static volatile boolean polling = true;

    @Inject
    AgentService agent;

    @Inject
    OpenBaoAccess openBao;

    @Inject
    KafkaEventSink sink;

    @BeforeAll
    static void clients() {
        Properties p = new Properties();
        p.put("bootstrap.servers", KafkaResource.bootstrapServers());
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.put("bootstrap.servers", KafkaResource.bootstrapServers());
        c.put("group.id", "agent-flow-test-" + UUID.randomUUID());
        c.put("auto.offset.reset", "earliest");
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of("virtgate.hosts", "virtgate.migrations.results", "virtgate.dlq.host-agent"));
        poller = new Thread(() -> {
            while (polling) {
                synchronized (consumer) {
                    consumer.poll(Duration.ofMillis(200)).forEach(seen::add);
                }
            }
        });
        poller.setDaemon(true);
        poller.start();
    }

    @AfterAll
    static void close() throws Exception {
        polling = false;
        poller.join(5000);
        consumer.close();
        producer.close();
    }

    @Test
    @Order(1)
    void enrollsAtStartWithCsrAndCapabilities() {
        HostEnrolled e = await().atMost(Duration.ofSeconds(60)).until(() -> find(HostEnrolled.class, x -> x.hostId().equals(HOST)), x -> x != null);
        assertThat(e.csrPem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(e.capabilities().libvirtVersion()).isEqualTo("9.0.0");
        assertThat(e.capabilities().saslMechanisms()).contains("DIGEST-MD5");
        assertThat(header(e, "ce_source")).isEqualTo("virtgate/host-agent/" + HOST);
    }

    @Test
    @Order(2)
    void accessGrantedLeadsToAppRoleLoginAndCredentialRead() throws Exception {
        OpenBaoServer bao = OpenBaoServer.shared();
        String root = bao.rootToken();
        String kvPath = "virtgate/clusters/qt/libvirt-sasl";
        bao.call("POST", "secret/data/" + kvPath, "{\"data\":{\"username\":\"virtgate-v1\",\"password\":\"" + PASSWORD + "\",\"version\":1}}");
        bao.call("POST", "transit/keys/virtgate-migration-commands", "{\"type\":\"ecdsa-p256\"}");
        bao.call("POST", "transit/keys/intruder-key", "{\"type\":\"ecdsa-p256\"}");
        String policy = "path \\\"secret/data/virtgate/clusters/qt/*\\\" { capabilities = [\\\"read\\\"] }\\n"
                + "path \\\"transit/verify/virtgate-migration-commands\\\" { capabilities = [\\\"update\\\"] }";
        bao.call("PUT", "sys/policies/acl/virtgate-host-qt-h1", "{\"policy\":\"" + policy + "\"}");
        bao.call("POST", "auth/approle/role/virtgate-host-qt-h1", "{\"token_policies\":[\"virtgate-host-qt-h1\"]}");
        String roleId = JSON.readTree(bao.call("GET", "auth/approle/role/virtgate-host-qt-h1/role-id", null).body())
                .path("data").path("role_id").asText();
        HttpResponse<String> wrapped = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(bao.address() + "/v1/auth/approle/role/virtgate-host-qt-h1/secret-id"))
                .header("X-Vault-Token", root).header("X-Vault-Wrap-TTL", "120s")
                .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
        String wrappingToken = JSON.readTree(wrapped.body()).path("wrap_info").path("token").asText();
        HostEnrolled enrolled = find(HostEnrolled.class, x -> x.hostId().equals(HOST));
        String encrypted = Ecies.encrypt(TestPki.csrKey(enrolled.csrPem()), wrappingToken);
        send(new HostAccessGranted(HOST, "qt", roleId, encrypted, Instant.now().plusSeconds(120),
                "secret/data/" + kvPath));
        await().atMost(Duration.ofSeconds(30)).until(() -> openBao.hasAccess());
        assertThat(openBao.password("secret/data/" + kvPath, 1)).isEqualTo(PASSWORD);
        assertThat(agent.state().roleId).isEqualTo(roleId);
        assertThat(seenText()).doesNotContain(PASSWORD).doesNotContain(wrappingToken);
    }

    @Test
    @Order(3)
    void unsignedForeignSignedAndExpiredCommandsAreRefused() throws Exception {
        MigrationRequested unsigned = command("m-unsigned", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(unsigned);
        MigrationRequested foreign = command("m-foreign", HOST, Instant.now().plusSeconds(60), "intruder-key");
        send(foreign.withSignature(sign("intruder-key", foreign.signingPayload())));
        MigrationRequested lying = command("m-lying", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(lying.withSignature(sign("intruder-key", lying.signingPayload()))); // claims the right key
        MigrationRequested expired = command("m-expired", HOST, Instant.now().minusSeconds(1), "virtgate-migration-commands");
        send(expired.withSignature(sign("virtgate-migration-commands", expired.signingPayload())));
        MigrationRequested other = command("m-other-host", "qt-h9", Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(other.withSignature(sign("virtgate-migration-commands", other.signingPayload())));
        MigrationRequested good = command("m-good", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(good.withSignature(sign("virtgate-migration-commands", good.signingPayload())));

        MigrationFailed ok = await().atMost(Duration.ofSeconds(30)).until(() -> find(MigrationFailed.class,
                f -> f.migrationId().equals("m-good")), f -> f != null);
        assertThat(ok.reason()).doesNotStartWith("refused"); // verified, then libvirt said no
        assertThat(ok.libvirtError()).contains("Domain not found");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-unsigned")).reason()).contains("unsigned");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-foreign")).reason()).contains("key other than");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-lying")).reason()).contains("does not verify");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-expired")).reason()).contains("expired");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-other-host"))).isNull();
    }

    @Test
    @Order(4)
    void poisonEventGoesToTheDeadLetterTopicAndTheConsumerContinues() throws Exception {
        ProducerRecord<String, byte[]> poison = new ProducerRecord<>("virtgate.pki", HOST,
                "{\"hostId\":\"qt-h1\",\"serial\":\"zz\"}".getBytes(StandardCharsets.UTF_8));
        EventEnvelope env = new EventEnvelope(UUID.randomUUID().toString(), "test", dev.virtgate.contracts.EventType.CERT_ISSUED,
                HOST, Instant.now());
        env.headers().forEach((k, v) -> poison.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(poison).get();
        MigrationRequested after = command("m-after-poison", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(after);
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(r -> r.topic().equals("virtgate.dlq.host-agent")));
        await().atMost(Duration.ofSeconds(30)).until(() -> find(MigrationFailed.class, f -> f.migrationId().equals("m-after-poison")) != null);
    }

    @Test
    @Order(5)
    void migrationResultsGoThroughTheSpoolAndWhatAnEarlierRunLeftIsSentAgain() {
        // the MigrationFailed results of the tests above were spooled, acknowledged, and their files deleted
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.spool().size() == 0);

        // a result an earlier run of the agent spooled but the broker never acknowledged
        MigrationFailed left = new MigrationFailed("m-left-by-earlier-run", "vm-x", HOST, "qt-h2",
                "libvirt error", "Unable to read from monitor", 1, false);
        EventEnvelope env = EventEnvelope.of("virtgate/host-agent/" + HOST, left);
        EventSpool.Pending pending = sink.spool().write(new EventSpool.Entry(env.type().topic(), left.subject(),
                env.headers(), new String(CODEC.encode(left), StandardCharsets.UTF_8)));
        sink.spool().release(pending);
        assertThat(sink.spool().size()).isEqualTo(1);

        sink.resendSpooled();
        await().atMost(Duration.ofSeconds(30))
                .until(() -> find(MigrationFailed.class, f -> f.migrationId().equals("m-left-by-earlier-run")) != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.spool().size() == 0);
        assertThat(seen.stream().filter(r -> r.headers().lastHeader("ce_id") != null && env.id().equals(
                new String(r.headers().lastHeader("ce_id").value(), StandardCharsets.UTF_8)))).hasSize(1);
    }

    static MigrationRequested command(String id, String source, Instant notAfter, String key) {
        return new MigrationRequested(id, "ghost-vm", "qt", source, "qt-h2", "qemu+tls://qt-h2.lab.virtgate.test/system",
                List.of("LIVE", "PEER2PEER", "TLS"), Map.of("bandwidth", "100"), MigrationMode.TLS_NATIVE, List.of("test"),
                "alice", Instant.now(), notAfter, key, null);
    }

    static String sign(String key, byte[] payload) throws Exception {
        JsonNode r = JSON.readTree(OpenBaoServer.shared().call("POST", "transit/sign/" + key,
                "{\"input\":\"" + Base64.getEncoder().encodeToString(payload) + "\"}").body());
        return r.path("data").path("signature").asText();
    }

    static void send(Event e) throws Exception {
        EventEnvelope env = EventEnvelope.of("test", e);
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(env.type().topic(), e.subject(), CODEC.encode(e));
        env.headers().forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(r).get();
    }

    static <T extends Event> T find(Class<T> type, java.util.function.Predicate<T> match) {
        String ceType = dev.virtgate.contracts.EventType.of(type).ceType();
        for (ConsumerRecord<String, byte[]> r : new ArrayList<>(seen)) {
            var h = r.headers().lastHeader(CloudEventHeaders.TYPE);
            if (h != null && new String(h.value(), StandardCharsets.UTF_8).equals(ceType) && !r.topic().startsWith("virtgate.dlq")) {
                T e = CODEC.decode(type, r.value());
                if (match.test(e)) {
                    return e;
                }
            }
        }
        return null;
    }

    static String header(Event e, String name) {
        for (ConsumerRecord<String, byte[]> r : new ArrayList<>(seen)) {
            if (r.key() != null && r.key().equals(e.subject()) && r.headers().lastHeader(name) != null) {
                return new String(r.headers().lastHeader(name).value(), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    static String seenText() {
        StringBuilder b = new StringBuilder();
        seen.forEach(r -> b.append(new String(r.value(), StandardCharsets.UTF_8)));
        return b.toString();
    }
}
