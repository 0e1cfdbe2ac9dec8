package dev.virtgate.credential.agents;

import dev.virtgate.testsupport.EventBus;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.credential.AgentKey;
import dev.virtgate.credential.service.Stage;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.testsupport.trust.TestProducer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Host agents simulated in one process over a real broker: each agent applies the
 * CredentialRotated events of its cluster (what it accepts and which username its client uses)
 * and acknowledges with HostConfigured signed by its own key under a certificate from
 * {@link TestTrust#CA} naming its host. Like real agents they believe only events credential-service
 * signed (EventVerifier against that CA). Registrations and decommissions are signed as
 * migration-service, enrollments by the CSR key with the token's proof. After every application the
 * fleet checks the no-lockout invariant.
 */
public final class SimulatedFleet implements AutoCloseable {

    /** One simulated agent and what its libvirt would have configured. */
    public static final class Agent {
        public final String hostId;
        public final String clusterId;
        final TestProducer identity;
        public volatile boolean online = true;
        /** The highest stage it still applies; it ignores later phases as if it were offline. */
        volatile int applyUpTo = Integer.MAX_VALUE;
        /** Its host is registered: before that a real agent has no enrollment token and is not running. */
        volatile boolean registered;
        /** Its certificate is valid: once revoked its peers refuse its TLS connections, so no invariant covers it. */
        volatile boolean trusted = true;
        volatile int appliedRank;
        volatile String rotationId;
        volatile List<String> accepted = List.of();
        volatile String client;

        Agent(String hostId, String clusterId) {
            this.hostId = hostId;
            this.clusterId = clusterId;
            this.identity = TestTrust.host(hostId);
        }

        public String client() {
            return client;
        }

        public List<String> accepted() {
            return accepted;
        }

        public int appliedRank() {
            return appliedRank;
        }
    }

    private final EventCodec codec = new EventCodec();
    private final EventVerifier verifier = new EventVerifier(TestTrust.anchors());
    private final KafkaProducer<String, byte[]> producer;
    private final KafkaConsumer<String, byte[]> consumer;
    private final Thread loop;
    private volatile boolean running = true;
    private final Map<String, Map<String, Agent>> clusters = new ConcurrentHashMap<>();
    private final List<CredentialRotated> rotated = new CopyOnWriteArrayList<>();
    private final List<HostAccessGranted> grants = new CopyOnWriteArrayList<>();
    private final List<String> rawPayloads = new CopyOnWriteArrayList<>();
    private final List<String> violations = new CopyOnWriteArrayList<>();
    private final Map<String, Long> firstSeenNanos = new ConcurrentHashMap<>();
    private final List<ConsumerRecord<String, byte[]>> deadLetters = new CopyOnWriteArrayList<>();
    private final List<String> unverified = new CopyOnWriteArrayList<>();
    private final boolean keepRaw;
    public final AtomicLong acksSent = new AtomicLong();
    public final AtomicLong eventsReceived = new AtomicLong();

    public SimulatedFleet(String bootstrap, boolean keepRaw) {
        this.keepRaw = keepRaw;
        Properties p = new Properties();
        p.putAll(EventBus.clientProps(bootstrap));
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p);
        Properties c = new Properties();
        c.putAll(EventBus.clientProps(bootstrap));
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        consumer = new KafkaConsumer<>(c);
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(Topics.CREDENTIALS, Topics.HOSTS, Topics.deadLetter("credential-service"))) {
            producer.partitionsFor(topic).forEach(i -> partitions.add(new TopicPartition(topic, i.partition())));
        }
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        partitions.forEach(consumer::position); // resolve now: nothing published from here on is missed
        loop = new Thread(this::run, "simulated-fleet");
        loop.setDaemon(true);
        loop.start();
    }

    /** Adds an agent and registers its host (as migration-service would); returns the enrollment token. */
    public String register(String clusterId, String hostId) {
        expect(clusterId, hostId);
        String token = FleetEvents.newToken();
        send(FleetEvents.registration(clusterId, hostId, token));
        agent(clusterId, hostId).registered = true; // its reports now follow the registration on the partition
        return token;
    }

    /** The agent enrolls with {@code token} for the key of {@code csr}. */
    public void enroll(String clusterId, String hostId, String token, AgentKey csr) {
        send(FleetEvents.enrollment(clusterId, hostId, token, csr));
    }

    /** Adds an agent that listens from now on, before its host is registered. */
    public void expect(String clusterId, String hostId) {
        clusters.computeIfAbsent(clusterId, k -> new ConcurrentHashMap<>()).putIfAbsent(hostId, new Agent(hostId, clusterId));
    }

    /** The agent is gone and migration-service decommissions its host; returns the record (to replay it). */
    public TestProducer.Signed decommission(String clusterId, String hostId) {
        clusters.get(clusterId).remove(hostId);
        TestProducer.Signed signed = TestTrust.migrationService().sign(new HostDecommissioned(hostId, clusterId,
                "test", "alice"));
        send(signed);
        return signed;
    }

    public Agent agent(String clusterId, String hostId) {
        return clusters.get(clusterId).get(hostId);
    }

    public Collection<Agent> agents(String clusterId) {
        return clusters.getOrDefault(clusterId, Map.of()).values();
    }

    /** Takes an agent down (it misses every event) or brings it back (it reports its state at start). */
    public void setOnline(String clusterId, String hostId, boolean online) {
        Agent agent = agent(clusterId, hostId);
        agent.online = online;
        if (online) {
            agent.applyUpTo = Integer.MAX_VALUE;
            ack(agent);
            producer.flush();
        }
    }

    /** Its certificate was revoked: peers no longer talk to it, and it may stay behind (it is not waited for). */
    public void revokeTrust(String clusterId, String hostId) {
        agent(clusterId, hostId).trusted = false;
    }

    /** The agent applies phases up to this one and misses every later one, until it is set online. */
    public void stopAfter(String clusterId, String hostId, int version, CredentialPhase phase) {
        agent(clusterId, hostId).applyUpTo = Stage.rank(version, phase);
    }

    /** Agents that applied nothing yet report so (what an agent does at start): the service re-announces. */
    public int reportUnconfigured(String clusterId) {
        int reported = 0;
        for (Agent agent : agents(clusterId)) {
            if (agent.appliedRank == 0) {
                ack(agent);
                reported++;
            }
        }
        producer.flush();
        return reported;
    }

    /** Publishes a genuine event, signed by who may emit it (the host it is about, migration- or pki-service). */
    public void send(Event event) {
        send(signerOf(event).sign(event));
    }

    /** Publishes any payload under the headers and signature of a genuine event (a poison record). */
    public void send(Event headersOf, byte[] payload) {
        send(signerOf(headersOf).sign(headersOf).withPayload(payload));
    }

    /** Publishes a signed (or forged) record as it is. */
    public void send(TestProducer.Signed signed) {
        EventEnvelope envelope = signed.envelope();
        RecordHeaders headers = new RecordHeaders();
        signed.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(new ProducerRecord<>(envelope.type().topic(), null, envelope.subject(), signed.payload(),
                headers));
    }

    private static TestProducer signerOf(Event event) {
        if (event instanceof HostConfigured configured) {
            return TestTrust.host(configured.hostId());
        }
        if (event instanceof HostRegistered || event instanceof HostDecommissioned) {
            return TestTrust.migrationService();
        }
        if (event instanceof CertIssued || event instanceof CertRevoked) {
            return TestTrust.pkiService();
        }
        throw new IllegalArgumentException("the fleet does not sign " + event.getClass().getSimpleName());
    }

    public void flush() {
        producer.flush();
    }

    public List<CredentialRotated> rotated(String clusterId) {
        return rotated.stream().filter(e -> e.clusterId().equals(clusterId)).toList();
    }

    public List<HostAccessGranted> grants(String hostId) {
        return grants.stream().filter(g -> g.hostId().equals(hostId)).toList();
    }

    /** When the fleet first received a phase ({@code System.nanoTime()}), if it did. */
    public Long firstSeen(String clusterId, int version, CredentialPhase phase) {
        return firstSeenNanos.get(clusterId + "/v" + version + "/" + phase);
    }

    public List<String> rawPayloads() {
        return rawPayloads;
    }

    public List<ConsumerRecord<String, byte[]>> deadLetters() {
        return deadLetters;
    }

    /** The reasons of the records parked on the dead-letter topic under this key (a host id). */
    public List<String> deadLetterReasons(String key) {
        return deadLetters.stream().filter(r -> key.equals(r.key())).map(r -> {
            Header reason = r.headers().lastHeader("dead-letter-reason");
            return reason == null ? "" : new String(reason.value(), StandardCharsets.UTF_8);
        }).toList();
    }

    public List<String> violations() {
        return violations;
    }

    /** Why events on the credentials topic were not believed (an agent ignores them). */
    public List<String> unverified() {
        return unverified;
    }

    private void run() {
        while (running) {
            List<ConsumerRecord<String, byte[]>> batch = new ArrayList<>();
            try {
                consumer.poll(Duration.ofMillis(100)).forEach(batch::add);
            } catch (RuntimeException e) {
                if (!running) {
                    return;
                }
                continue;
            }
            for (ConsumerRecord<String, byte[]> record : batch) {
                handle(record);
            }
            producer.flush();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        if (record.topic().startsWith("virtgate.dlq.")) {
            deadLetters.add(record);
            return;
        }
        if (keepRaw && record.value() != null) {
            rawPayloads.add(new String(record.value(), StandardCharsets.UTF_8));
        }
        Header type = record.headers().lastHeader(CloudEventHeaders.TYPE);
        if (type == null) {
            return;
        }
        String ceType = new String(type.value(), StandardCharsets.UTF_8);
        if (ceType.equals(EventType.HOST_ACCESS_GRANTED.ceType())) {
            verified(record, HostAccessGranted.class).ifPresent(grants::add);
        } else if (ceType.equals(EventType.CREDENTIAL_ROTATED.ceType())) {
            CredentialRotated event = verified(record, CredentialRotated.class).orElse(null);
            if (event == null) {
                return;
            }
            eventsReceived.incrementAndGet();
            firstSeenNanos.putIfAbsent(event.clusterId() + "/v" + event.version() + "/" + event.phase(), System.nanoTime());
            rotated.add(event);
            apply(event);
        }
    }

    private <T extends Event> java.util.Optional<T> verified(ConsumerRecord<String, byte[]> record, Class<T> type) {
        try {
            Map<String, String> headers = InboundEvents.headers(record);
            EventEnvelope envelope = EventEnvelope.fromHeaders(headers);
            T event = codec.decode(type, record.value());
            verifier.verify(envelope, headers, record.value(), event);
            return java.util.Optional.of(event);
        } catch (InvalidEventException e) {
            unverified.add(e.getMessage());
            return java.util.Optional.empty();
        }
    }

    private void apply(CredentialRotated event) {
        Map<String, Agent> agents = clusters.get(event.clusterId());
        if (agents == null) {
            return;
        }
        int rank = Stage.rank(event.version(), event.phase());
        List<Agent> applied = new ArrayList<>();
        for (Agent agent : agents.values()) {
            if (agent.online && agent.registered && rank > agent.appliedRank && rank <= agent.applyUpTo) {
                agent.appliedRank = rank;
                agent.rotationId = event.rotationId();
                agent.accepted = List.copyOf(event.acceptedUsernames());
                agent.client = event.phase() == CredentialPhase.STAGED && event.previousUsername() != null
                        ? event.previousUsername() : event.username();
                applied.add(agent);
            }
        }
        // each real agent signs on its own machine: here they share this JVM's processors
        applied.parallelStream().map(a -> a.identity.sign(report(a))).toList().forEach(this::send);
        acksSent.addAndGet(applied.size());
        checkInvariant(event.clusterId());
    }

    /** Every configured agent's client username is accepted by every configured peer (trusted ones). */
    private void checkInvariant(String clusterId) {
        List<Agent> agents = agents(clusterId).stream().filter(a -> a.trusted).toList();
        Set<String> clients = new HashSet<>();
        for (Agent a : agents) {
            if (a.client != null) {
                clients.add(a.client);
            }
        }
        for (Agent peer : agents) {
            if (peer.client != null && !peer.accepted.containsAll(clients)) {
                violations.add(clusterId + ": " + peer.hostId + " accepts " + peer.accepted + " but clients use " + clients);
            }
        }
    }

    private void ack(Agent agent) {
        send(agent.identity.sign(report(agent)));
        acksSent.incrementAndGet();
    }

    /** The HostConfigured the agent sends for what it has in force (what a forger would copy). */
    static HostConfigured report(Agent agent) {
        Stage stage = Stage.ofRank(agent.appliedRank).orElse(null);
        return FleetEvents.acknowledgement(agent.hostId, agent.clusterId, stage == null ? null : agent.rotationId,
                stage);
    }


    @Override
    public void close() {
        running = false;
        try {
            loop.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        consumer.close();
        producer.close();
    }
}
