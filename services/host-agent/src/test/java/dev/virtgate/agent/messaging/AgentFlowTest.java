package dev.virtgate.agent.messaging;

import dev.virtgate.testsupport.EventBus;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.agent.it.TestPki;
import dev.virtgate.agent.it.AgentBusResource;
import dev.virtgate.agent.it.TestPkiResource;
import dev.virtgate.agent.openbao.OpenBaoAccess;
import dev.virtgate.agent.pki.Ecies;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.agent.trust.SignedEvent;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CsrSubmitted;
import java.util.concurrent.CompletableFuture;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestProducer;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
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
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The agent over real Kafka and OpenBao, every event it reads signed as its producer signs it
 * ({@link TestPki}): enrollment at start with a proof instead of the token, HostAccessGranted ->
 * unwrap -> AppRole login -> KV read, its first certificate, signed-command verification via
 * transit, commands not signed by migration-service refused before the gate, poison events to the
 * dead-letter topic, and everything it publishes verifiable by any consumer. libvirt is the test
 * driver here (test:///default); the real-libvirtd behaviour is covered by LibvirtdLockdownIT.
 */
@QuarkusTest
@QuarkusTestResource(value = AgentBusResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = TestPkiResource.class, restrictToAnnotatedClass = false)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class AgentFlowTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final EventCodec CODEC = new EventCodec();
    static final String HOST = "qt-h1";
    static final String FQDN = "qt-h1.lab.virtgate.test";
    static final String PASSWORD = "qtPasswordAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    static final String DLQ = "virtgate.dlq.host-agent";
    static final String HOST_DN = "CN=" + FQDN + ",OU=qt,O=virtgate";
    static TestPki pki;
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

    @Inject
    AgentBus bus;

    @ConfigProperty(name = "virtgate.agent.enrollment-token")
    String token;

    static final List<String> logged = new CopyOnWriteArrayList<>();
    static final java.util.logging.Handler LOG_CAPTURE = new java.util.logging.Handler() {
        @Override
        public void publish(java.util.logging.LogRecord r) {
            logged.add(r instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage() : r.getMessage());
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeAll
    static void clients() {
        java.util.logging.Logger.getLogger("dev.virtgate.agent").addHandler(LOG_CAPTURE);
        pki = TestPkiResource.pki();
        Properties p = new Properties();
        p.putAll(EventBus.clientProps(KafkaResource.bootstrapServers()));
        producer = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer());
        Properties c = new Properties();
        c.putAll(EventBus.clientProps(KafkaResource.bootstrapServers()));
        c.put("group.id", "agent-flow-test-" + UUID.randomUUID());
        c.put("auto.offset.reset", "earliest");
        consumer = new KafkaConsumer<>(c, new StringDeserializer(), new ByteArrayDeserializer());
        consumer.subscribe(List.of("virtgate.hosts", "virtgate.agents.reports", "virtgate.migrations.results", DLQ));
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
        java.util.logging.Logger.getLogger("dev.virtgate.agent").removeHandler(LOG_CAPTURE);
        polling = false;
        poller.join(5000);
        consumer.close();
        producer.close();
    }

    @Test
    @Order(1)
    void enrollsAtStartWithAProofOfTheTokenNeverTheToken() {
        ConsumerRecord<String, byte[]> r = await().atMost(Duration.ofSeconds(60))
                .until(() -> record(HostEnrolled.class, x -> x.hostId().equals(HOST)), x -> x != null);
        HostEnrolled e = CODEC.decode(HostEnrolled.class, r.value());
        assertThat(e.csrPem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(e.capabilities().libvirtVersion()).isEqualTo("9.0.0");
        assertThat(e.capabilities().saslMechanisms()).contains("DIGEST-MD5");
        assertThat(headers(r).get("ce_source")).isEqualTo("virtgate/host-agent/" + HOST);
        assertThat(new String(r.value(), StandardCharsets.UTF_8)).doesNotContain(token);
        assertThat(EnrollmentKey.verify(EnrollmentKey.fromToken(HOST, token).publicKey(), e.enrollmentProof(), HOST,
                "qt", FQDN, e.csrPem())).isTrue();
        // signed by the key of its own CSR, no chain: any consumer can check it
        assertThat(headers(r)).doesNotContainKey(EventSignatures.SIGNER_CHAIN);
        assertThat(verify(r, e)).isEqualTo(Producer.enrollingHost(HOST));
    }

    @Test
    @Order(2)
    void beforeItsCertificateTheAgentReachesOnlyWhatTheEnrollmentPrincipalAllows() {
        BusIdentity enrolling = bus.identity();
        assertThat(enrolling.principal()).isEqualTo(BusAccess.HOST_ENROLLMENT);
        assertThat(enrolling.certSerial()).isNull();
        assertThat(enrolling.topics()).containsExactlyInAnyOrder(Topics.HOSTS, Topics.PKI);
        // with the agent's own settings: its HostEnrolled went out (above); a migration result or a command cannot
        Properties p = new Properties();
        p.putAll(enrolling.clientConfig());
        try (KafkaProducer<String, byte[]> out = new KafkaProducer<>(p, new StringSerializer(), new ByteArraySerializer())) {
            assertThatThrownBy(() -> out.send(new ProducerRecord<>(Topics.MIGRATION_RESULTS, HOST, new byte[] {'{', '}'}))
                    .get(30, java.util.concurrent.TimeUnit.SECONDS)).satisfies(AgentFlowTest::authorizationRefused);
        }
        // a poison record before the certificate: dead-lettered with its reason by the enrollment principal,
        // and the consumer goes on (the certificate behind it still arrives, below)
        ProducerRecord<String, byte[]> poison = new ProducerRecord<>(Topics.PKI, HOST,
                "{\"hostId\":\"qt-h1\"}".getBytes(StandardCharsets.UTF_8));
        new EventEnvelope(UUID.randomUUID().toString(), "test", EventType.CERT_ISSUED, HOST, Instant.now()).headers()
                .forEach((k, v) -> poison.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(poison).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        String poisonId = new String(poison.headers().lastHeader(CloudEventHeaders.ID).value(), StandardCharsets.UTF_8);
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(r -> r.topic().equals(DLQ)
                && poisonId.equals(headers(r).get(CloudEventHeaders.ID)) && headers(r).get("dead-letter-reason") != null));
        assertThat(logged).noneMatch(l -> l.contains("not dead-lettered"));

        p.put("group.id", BusAccess.AGENT_GROUP_PREFIX + HOST + "-enrolling");
        try (KafkaConsumer<String, byte[]> in = new KafkaConsumer<>(p, new StringDeserializer(), new ByteArrayDeserializer())) {
            in.subscribe(List.of(Topics.MIGRATION_COMMANDS));
            assertThatThrownBy(() -> await().atMost(Duration.ofSeconds(30))
                    .until(() -> in.poll(Duration.ofMillis(200)) == null)).satisfies(AgentFlowTest::authorizationRefused);
        }
    }

    @Test
    @Order(3)
    void anAccessGrantThatOvertakesTheFirstCertificateWaitsForItThenLeadsToAppRoleLogin() throws Exception {
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
        String encrypted = Ecies.encrypt(TestCsr.publicKey(enrolled.csrPem()), wrappingToken);
        TestProducer.Signed grant = pki.credentialService().sign(new HostAccessGranted(HOST, "qt", roleId, encrypted,
                Instant.now().plusSeconds(120), "secret/data/" + kvPath));
        send(grant);
        // nothing pinned yet, so nothing verifies credential-service's signer: kept, neither used nor dead-lettered
        await().during(Duration.ofSeconds(2)).atMost(Duration.ofSeconds(5))
                .until(() -> agent.state().roleId == null && deadLettered(List.of(grant)).isEmpty());

        var issued = pki.issue(HOST, "qt", FQDN, TestCsr.publicKey(enrolled.csrPem()), List.of("127.0.0.1"));
        KafkaServer.shared().grantHost(FQDN, "qt", HOST); // as pki-service does when it issues
        send(pki.pkiService().sign(issued));
        await().atMost(Duration.ofSeconds(30)).until(() -> openBao.hasAccess());
        // from its first certificate on, the agent is that certificate on the bus
        await().atMost(Duration.ofSeconds(30)).until(() -> serialOf(issued).equals(bus.identity().certSerial()));
        assertThat(bus.identity().principal()).isEqualTo(HOST_DN);
        assertThat(bus.identity().clientConfig()).containsEntry("security.protocol", "SSL")
                .containsEntry("bootstrap.servers", KafkaServer.shared().hostsBootstrapServers());
        assertThat(openBao.password("secret/data/" + kvPath, 1)).isEqualTo(PASSWORD);
        assertThat(agent.state().roleId).isEqualTo(roleId);
        assertThat(agent.state().caBundlePem).containsExactly(pki.caPem());
        assertThat(agent.state().caFingerprint).isEqualTo(pki.fingerprint());
        assertThat(seenText()).doesNotContain(PASSWORD).doesNotContain(wrappingToken);
        // the first report comes with the certificate, signed with it
        ConsumerRecord<String, byte[]> r = await().atMost(Duration.ofSeconds(30)).until(
                () -> record(HostConfigured.class, x -> x.hostId().equals(HOST)), x -> x != null);
        HostConfigured report = CODEC.decode(HostConfigured.class, r.value());
        assertThat(report.appliedCertSerial()).isEqualTo(issued.serial());
        // the report re-states what libvirt and QEMU can do now, as enrolment did
        assertThat(report.multifdTls()).isNotNull().isEqualTo(enrolled.capabilities().multifdTls());
        assertThat(report.nativeTlsMigration()).isEqualTo(enrolled.capabilities().nativeTlsMigration());
        assertThat(verify(r, report)).isEqualTo(Producer.host(HOST));
    }

    @Test
    @Order(4)
    void unsignedForeignSignedAndExpiredCommandsAreRefused() throws Exception {
        TestProducer migrationService = pki.migrationService();
        MigrationRequested unsigned = command("m-unsigned", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(migrationService.sign(unsigned));
        MigrationRequested foreign = command("m-foreign", HOST, Instant.now().plusSeconds(60), "intruder-key");
        send(migrationService.sign(foreign.withSignature(transit("intruder-key", foreign.signingPayload()))));
        MigrationRequested lying = command("m-lying", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands");
        send(migrationService.sign(lying.withSignature(transit("intruder-key", lying.signingPayload())))); // claims the right key
        MigrationRequested expired = command("m-expired", HOST, Instant.now().minusSeconds(1), "virtgate-migration-commands");
        send(migrationService.sign(signed(expired)));
        send(migrationService.sign(signed(command("m-other-host", "qt-h9", Instant.now().plusSeconds(60),
                "virtgate-migration-commands"))));
        send(migrationService.sign(signed(command("m-good", HOST, Instant.now().plusSeconds(60),
                "virtgate-migration-commands"))));

        ConsumerRecord<String, byte[]> ok = await().atMost(Duration.ofSeconds(30)).until(() -> record(
                MigrationFailed.class, f -> f.migrationId().equals("m-good")), f -> f != null);
        MigrationFailed good = CODEC.decode(MigrationFailed.class, ok.value());
        assertThat(good.reason()).doesNotStartWith("refused"); // verified, then libvirt said no
        assertThat(good.libvirtError()).contains("Domain not found");
        assertThat(verify(ok, good)).isEqualTo(Producer.host(HOST));
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-unsigned")).reason()).contains("unsigned");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-foreign")).reason()).contains("key other than");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-lying")).reason()).contains("does not verify");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-expired")).reason()).contains("expired");
        assertThat(find(MigrationFailed.class, f -> f.migrationId().equals("m-other-host"))).isNull();
    }

    @Test
    @Order(5)
    void commandsNotSignedByMigrationServiceAreRefusedBeforeTheGate() throws Exception {
        MigrationRequested good = signed(command("m-bus-unsigned", HOST, Instant.now().plusSeconds(60),
                "virtgate-migration-commands"));
        TestProducer.Signed unsignedEvent = pki.migrationService().sign(good)
                .withHeader(EventSignatures.SIGNATURE, null).withHeader(EventSignatures.SIGNER_CHAIN, null);
        TestProducer impostor = TestProducer.issuedBy(new TestCa("intruder"), Producer.service("migration-service"));
        TestProducer.Signed foreignCa = impostor.sign(signed(command("m-bus-foreign-ca", HOST,
                Instant.now().plusSeconds(60), "virtgate-migration-commands")));
        TestProducer.Signed wrongService = pki.pkiService().sign(signed(command("m-bus-pki", HOST,
                Instant.now().plusSeconds(60), "virtgate-migration-commands")));
        TestProducer.Signed altered = pki.migrationService().sign(good).withPayload(CODEC.encode(signed(command(
                "m-bus-altered", HOST, Instant.now().plusSeconds(60), "virtgate-migration-commands"))));
        MigrationCancelRequested cancel = new MigrationCancelRequested("m-good", HOST, "mallory", Instant.now(),
                "virtgate-migration-commands", null);
        MigrationCancelRequested signedCancel = cancel.withSignature(transit("virtgate-migration-commands",
                cancel.signingPayload()));
        TestProducer.Signed unsignedCancel = pki.migrationService().sign(signedCancel)
                .withHeader(EventSignatures.SIGNATURE, null);
        TestProducer.Signed foreignCancel = impostor.sign(signedCancel);
        List<TestProducer.Signed> refused = List.of(unsignedEvent, foreignCa, wrongService, altered, unsignedCancel,
                foreignCancel);
        refused.forEach(AgentFlowTest::send);

        Map<String, String> reasons = await().atMost(Duration.ofSeconds(30)).until(() -> deadLettered(refused),
                m -> m.size() == refused.size());
        assertThat(reasons.get(unsignedEvent.envelope().id())).contains("unsigned event");
        assertThat(reasons.get(foreignCa.envelope().id())).contains("not from a trusted CA");
        assertThat(reasons.get(wrongService.envelope().id())).contains("may come only from migration-service");
        assertThat(reasons.get(altered.envelope().id())).contains("signature does not verify");
        assertThat(reasons.get(unsignedCancel.envelope().id())).contains("unsigned event");
        assertThat(reasons.get(foreignCancel.envelope().id())).contains("not from a trusted CA");
        // none reached the gate: a refused command is not even answered
        assertThat(find(MigrationFailed.class, f -> f.migrationId().startsWith("m-bus-"))).isNull();
        assertThat(agent.state().seenMigrations).noneMatch(id -> id.startsWith("m-bus-"));
    }

    @Test
    @Order(6)
    void poisonEventGoesToTheDeadLetterTopicAndTheConsumerContinues() throws Exception {
        ProducerRecord<String, byte[]> poison = new ProducerRecord<>("virtgate.pki", HOST,
                "{\"hostId\":\"qt-h1\",\"serial\":\"zz\"}".getBytes(StandardCharsets.UTF_8));
        EventEnvelope env = new EventEnvelope(UUID.randomUUID().toString(), "test", EventType.CERT_ISSUED,
                HOST, Instant.now());
        env.headers().forEach((k, v) -> poison.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(poison).get();
        send(pki.migrationService().sign(command("m-after-poison", HOST, Instant.now().plusSeconds(60),
                "virtgate-migration-commands")));
        await().atMost(Duration.ofSeconds(30)).until(() -> seen.stream().anyMatch(r -> r.topic().equals(DLQ)
                && env.id().equals(headers(r).get(CloudEventHeaders.ID))));
        await().atMost(Duration.ofSeconds(30)).until(() -> find(MigrationFailed.class, f -> f.migrationId().equals("m-after-poison")) != null);
    }

    @Test
    @Order(7)
    void aSpooledResultIsSentAgainWithItsIdAndSignature() {
        // the MigrationFailed results of the tests above were spooled, acknowledged, and their files deleted
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.spool().size() == 0);

        // a result an earlier run of the agent spooled (signed) but the broker never acknowledged
        MigrationFailed left = new MigrationFailed("m-left-by-earlier-run", "vm-x", HOST, "qt-h2",
                "libvirt error", "Unable to read from monitor", 1, false);
        SignedEvent signed = agent.sign(left).orElseThrow();
        EventSpool.Pending pending = sink.spool().write(KafkaEventSink.entry(signed));
        sink.spool().release(pending);
        assertThat(sink.spool().size()).isEqualTo(1);

        sink.resendSpooled();
        ConsumerRecord<String, byte[]> again = await().atMost(Duration.ofSeconds(30)).until(() -> record(
                MigrationFailed.class, f -> f.migrationId().equals("m-left-by-earlier-run")), r -> r != null);
        await().atMost(Duration.ofSeconds(30)).until(() -> sink.spool().size() == 0);
        assertThat(headers(again).get(CloudEventHeaders.ID)).isEqualTo(signed.envelope().id());
        assertThat(headers(again).get(EventSignatures.SIGNATURE)).isEqualTo(signed.headers().get(EventSignatures.SIGNATURE));
        assertThat(verify(again, left)).isEqualTo(Producer.host(HOST));
        assertThat(seen.stream().filter(r -> signed.envelope().id().equals(headers(r).get(CloudEventHeaders.ID))))
                .hasSize(1);
    }

    @Test
    @Order(8)
    void everythingTheAgentPublishedVerifiesAndNothingOnTheBusCarriesTheToken() {
        List<ConsumerRecord<String, byte[]>> own = seen.stream().filter(r -> !r.topic().equals(DLQ))
                .filter(r -> ("virtgate/host-agent/" + HOST).equals(headers(r).get(CloudEventHeaders.SOURCE))).toList();
        assertThat(own).hasSizeGreaterThan(5);
        for (ConsumerRecord<String, byte[]> r : own) {
            EventType type = EventType.ofCeType(headers(r).get(CloudEventHeaders.TYPE)).orElseThrow();
            Event event = CODEC.decode(type, r.value());
            assertThat(verify(r, event).name()).isEqualTo(HOST);
        }
        for (ConsumerRecord<String, byte[]> r : seen) {
            assertThat(new String(r.value(), StandardCharsets.UTF_8)).doesNotContain(token);
            assertThat(headers(r).values()).noneMatch(v -> v != null && v.contains(token));
        }
    }

    @Test
    @Order(9)
    void aRenewedCertificateRebuildsBothClientsAndTheAgentKeepsConsumingAndProducing() throws Exception {
        String before = bus.identity().certSerial();
        send(pki.pkiService().sign(new CertRenewalRequested(HOST, "qt", agent.state().certSerial,
                Instant.now().plus(Duration.ofDays(10)), "LIFETIME")));
        CsrSubmitted csr = await().atMost(Duration.ofSeconds(30))
                .until(() -> find(CsrSubmitted.class, c -> c.hostId().equals(HOST)), c -> c != null);
        var renewed = pki.issue(HOST, "qt", FQDN, TestCsr.publicKey(csr.csrPem()), List.of("127.0.0.1"));
        send(pki.pkiService().sign(renewed));
        // commands right behind the certificate: some reach the old consumer, the rest the rebuilt one
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add("m-renewal-" + i);
            send(pki.migrationService().sign(signed(command("m-renewal-" + i, HOST, Instant.now().plusSeconds(60),
                    "virtgate-migration-commands"))));
        }
        await().atMost(Duration.ofSeconds(30)).until(() -> serialOf(renewed).equals(bus.identity().certSerial()));
        assertThat(bus.identity().certSerial()).isNotEqualTo(before);
        assertThat(bus.identity().principal()).isEqualTo(HOST_DN);
        await().atMost(Duration.ofSeconds(30)).until(() -> logged.stream()
                .anyMatch(l -> l.contains("as bus principal '" + HOST_DN + " (certificate " + serialOf(renewed))));
        // nothing lost: every command answered, and one sent after the rebuild too, signed with the new certificate
        send(pki.migrationService().sign(signed(command("m-after-renewal", HOST, Instant.now().plusSeconds(60),
                "virtgate-migration-commands"))));
        ids.add("m-after-renewal");
        for (String id : ids) {
            ConsumerRecord<String, byte[]> r = await().atMost(Duration.ofSeconds(30))
                    .until(() -> record(MigrationFailed.class, f -> f.migrationId().equals(id)), x -> x != null);
            assertThat(verify(r, CODEC.decode(MigrationFailed.class, r.value()))).isEqualTo(Producer.host(HOST));
        }
        ConsumerRecord<String, byte[]> last = record(MigrationFailed.class, f -> f.migrationId().equals("m-after-renewal"));
        assertThat(headers(last).get(EventSignatures.SIGNER_CHAIN)).contains(
                Base64.getEncoder().encodeToString(dev.virtgate.agent.pki.Pem.certificate(renewed.certificatePem())
                        .getEncoded()).substring(0, 40));
    }

    @Test
    @Order(10)
    void aHostWhoseAccessIsWithdrawnCanNeitherConsumeNorProduceAndSaysSoThenRecoversWhenGrantedAgain() {
        assertThat(sink.spool().size()).isZero();
        KafkaServer.shared().withdrawHost(FQDN, "qt", HOST); // as pki-service does at revocation
        String refusal = "bus principal '" + HOST_DN + "' is not allowed to use ";
        // the consumer is refused (its group or its topics) and says so, naming itself and what it was refused
        await().atMost(Duration.ofSeconds(60)).until(() -> logged.stream().anyMatch(l -> l.contains(refusal)));
        // and fails closed: no policy or credential change can reach it now, so TCP stays closed
        await().atMost(Duration.ofSeconds(30)).until(() -> agent.state().busAccessLost);
        assertThat(dev.virtgate.agent.reconcile.ConfigRenderer.tcpEnabled(agent.state(), Instant.now())).isFalse();
        send(pki.migrationService().sign(command("m-while-withdrawn", HOST, Instant.now().plusSeconds(120),
                "virtgate-migration-commands")));
        CompletableFuture<Void> refused = bus.send(new ProducerRecord<>(Topics.MIGRATION_RESULTS, HOST, new byte[] {'{', '}'}));
        assertThatThrownBy(() -> refused.get(30, java.util.concurrent.TimeUnit.SECONDS))
                .satisfies(AgentFlowTest::authorizationRefused);
        // the spool's path logs the principal and the topic it was refused
        MigrationFailed kept = new MigrationFailed("m-spooled-while-withdrawn", "vm-x", HOST, "qt-h2", "libvirt error",
                "Unable to read from monitor", 1, false);
        sink.send(agent.sign(kept).orElseThrow());
        await().atMost(Duration.ofSeconds(60)).until(() -> logged.stream()
                .anyMatch(l -> l.contains(refusal + "topic(s) [" + Topics.MIGRATION_RESULTS + "]")));
        assertThat(sink.spool().size()).isEqualTo(1);
        assertThat(bus.problem()).contains(refusal);
        await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> find(MigrationFailed.class, f -> f.migrationId().equals("m-while-withdrawn")) == null);

        KafkaServer.shared().grantHost(FQDN, "qt", HOST); // granted again: consumed, answered, the spool drained
        await().atMost(Duration.ofSeconds(60))
                .until(() -> find(MigrationFailed.class, f -> f.migrationId().equals("m-while-withdrawn")) != null);
        sink.resendSpooled();
        await().atMost(Duration.ofSeconds(60)).until(() -> sink.spool().size() == 0);
        await().atMost(Duration.ofSeconds(30)).until(() -> bus.problem() == null);
        await().atMost(Duration.ofSeconds(30)).until(() -> !agent.state().busAccessLost);
    }

    static String serialOf(dev.virtgate.contracts.events.CertIssued issued) {
        return dev.virtgate.agent.pki.Pem.certificate(issued.certificatePem()).getSerialNumber().toString(16);
    }

    static void authorizationRefused(Throwable failure) {
        List<Throwable> chain = new ArrayList<>();
        for (Throwable t = failure; t != null; t = t.getCause()) {
            chain.add(t);
        }
        assertThat(chain).as("refused for authorization").anyMatch(
                t -> t instanceof org.apache.kafka.common.errors.AuthorizationException);
    }

    static MigrationRequested command(String id, String source, Instant notAfter, String key) {
        return new MigrationRequested(id, "ghost-vm", "qt", source, "qt-h2", "qemu+tls://qt-h2.lab.virtgate.test/system",
                List.of("LIVE", "PEER2PEER", "TLS"), Map.of("bandwidth", "100"), MigrationMode.TLS_NATIVE, List.of("test"),
                "alice", Instant.now(), notAfter, key, null);
    }

    static MigrationRequested signed(MigrationRequested command) throws Exception {
        return command.withSignature(transit(command.signingKey(), command.signingPayload()));
    }

    static String transit(String key, byte[] payload) throws Exception {
        JsonNode r = JSON.readTree(OpenBaoServer.shared().call("POST", "transit/sign/" + key,
                "{\"input\":\"" + Base64.getEncoder().encodeToString(payload) + "\"}").body());
        return r.path("data").path("signature").asText();
    }

    static void send(TestProducer.Signed signed) {
        ProducerRecord<String, byte[]> r = new ProducerRecord<>(signed.envelope().type().topic(),
                signed.envelope().subject(), signed.payload());
        signed.headers().forEach((k, v) -> r.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
        try {
            producer.send(r).get();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** What any consumer trusting virtgate's CA concludes about a record the agent published. */
    static Producer verify(ConsumerRecord<String, byte[]> r, Event event) {
        Map<String, String> headers = headers(r);
        return new EventVerifier(TrustAnchors.of(List.of(pki.ca)))
                .verify(EventEnvelope.fromHeaders(headers), headers, r.value(), event);
    }

    /** ce_id -> dead-letter reason, for those of {@code events} on the dead-letter topic. */
    static Map<String, String> deadLettered(List<TestProducer.Signed> events) {
        Map<String, String> out = new HashMap<>();
        for (ConsumerRecord<String, byte[]> r : new ArrayList<>(seen)) {
            Map<String, String> h = headers(r);
            if (r.topic().equals(DLQ) && events.stream().anyMatch(e -> e.envelope().id().equals(h.get(CloudEventHeaders.ID)))) {
                out.put(h.get(CloudEventHeaders.ID), h.get("dead-letter-reason"));
            }
        }
        return out;
    }

    static <T extends Event> ConsumerRecord<String, byte[]> record(Class<T> type, java.util.function.Predicate<T> match) {
        String ceType = EventType.of(type).ceType();
        for (ConsumerRecord<String, byte[]> r : new ArrayList<>(seen)) {
            if (ceType.equals(headers(r).get(CloudEventHeaders.TYPE)) && !r.topic().equals(DLQ)
                    && match.test(CODEC.decode(type, r.value()))) {
                return r;
            }
        }
        return null;
    }

    static <T extends Event> T find(Class<T> type, java.util.function.Predicate<T> match) {
        ConsumerRecord<String, byte[]> r = record(type, match);
        return r == null ? null : CODEC.decode(type, r.value());
    }

    static Map<String, String> headers(ConsumerRecord<String, byte[]> r) {
        Map<String, String> out = new HashMap<>();
        for (Header h : r.headers()) {
            out.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        return out;
    }

    static String seenText() {
        StringBuilder b = new StringBuilder();
        seen.forEach(r -> b.append(new String(r.value(), StandardCharsets.UTF_8)));
        return b.toString();
    }
}
