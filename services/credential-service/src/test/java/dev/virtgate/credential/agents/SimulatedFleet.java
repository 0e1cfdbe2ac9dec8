package dev.virtgate.credential.agents;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.credential.service.EnrollmentTokens;
import dev.virtgate.credential.service.Stage;
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
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
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
 * and acknowledges with HostConfigured, CloudEvents headers built by contracts' EventEnvelope and
 * payloads by EventCodec. After every application the fleet checks the no-lockout invariant.
 */
public final class SimulatedFleet implements AutoCloseable {
    public static final String SOURCE = "/virtgate/host-agent/simulated";
    private static final SecureRandom RANDOM = new SecureRandom();

    /** One simulated agent and what its libvirt would have configured. */
    public static final class Agent {
        public final String hostId;
        public final String clusterId;
        public volatile boolean online = true;
        /** The highest stage it still applies; it ignores later phases as if it were offline. */
        volatile int applyUpTo = Integer.MAX_VALUE;
        /** Its host is registered: before that a real agent has no enrollment token and is not running. */
        volatile boolean registered;
        volatile int appliedRank;
        volatile String rotationId;
        volatile List<String> accepted = List.of();
        volatile String client;

        Agent(String hostId, String clusterId) {
            this.hostId = hostId;
            this.clusterId = clusterId;
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
    private final boolean keepRaw;
    public final AtomicLong acksSent = new AtomicLong();
    public final AtomicLong eventsReceived = new AtomicLong();

    public SimulatedFleet(String bootstrap, boolean keepRaw) {
        this.keepRaw = keepRaw;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class.getName());
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class.getName());
        p.put(ProducerConfig.LINGER_MS_CONFIG, "5");
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, "262144");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        producer = new KafkaProducer<>(p);
        Properties c = new Properties();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
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
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
        String fqdn = hostId + ".lab.virtgate.test";
        send(new HostRegistered(hostId, clusterId, fqdn, List.of(fqdn), List.of("127.0.0.1"), List.of(),
                EnrollmentTokens.sha256Hex(token), Instant.now().plus(Duration.ofHours(1))));
        agent(clusterId, hostId).registered = true; // its reports now follow the registration on the partition
        return token;
    }

    /** Adds an agent that listens from now on, before its host is registered. */
    public void expect(String clusterId, String hostId) {
        clusters.computeIfAbsent(clusterId, k -> new ConcurrentHashMap<>()).putIfAbsent(hostId, new Agent(hostId, clusterId));
    }

    public void decommission(String clusterId, String hostId) {
        clusters.get(clusterId).remove(hostId);
        send(new HostDecommissioned(hostId, clusterId, "test", "alice"));
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

    public void send(Event event) {
        send(event, codec.encode(event));
    }

    /** Publishes any payload with proper CloudEvents headers for the event's type. */
    public void send(Event headersOf, byte[] payload) {
        EventEnvelope envelope = EventEnvelope.of(SOURCE, headersOf);
        RecordHeaders headers = new RecordHeaders();
        envelope.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        producer.send(new ProducerRecord<>(envelope.type().topic(), null, headersOf.subject(), payload, headers));
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

    public List<String> violations() {
        return violations;
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
            grants.add(codec.decode(HostAccessGranted.class, record.value()));
        } else if (ceType.equals(EventType.CREDENTIAL_ROTATED.ceType())) {
            CredentialRotated event = codec.decode(CredentialRotated.class, record.value());
            eventsReceived.incrementAndGet();
            firstSeenNanos.putIfAbsent(event.clusterId() + "/v" + event.version() + "/" + event.phase(), System.nanoTime());
            rotated.add(event);
            apply(event);
        }
    }

    private void apply(CredentialRotated event) {
        Map<String, Agent> agents = clusters.get(event.clusterId());
        if (agents == null) {
            return;
        }
        int rank = Stage.rank(event.version(), event.phase());
        for (Agent agent : agents.values()) {
            if (agent.online && agent.registered && rank > agent.appliedRank && rank <= agent.applyUpTo) {
                agent.appliedRank = rank;
                agent.rotationId = event.rotationId();
                agent.accepted = List.copyOf(event.acceptedUsernames());
                agent.client = event.phase() == CredentialPhase.STAGED && event.previousUsername() != null
                        ? event.previousUsername() : event.username();
                ack(agent);
            }
        }
        checkInvariant(event.clusterId());
    }

    /** Every configured agent's client username is accepted by every configured peer. */
    private void checkInvariant(String clusterId) {
        Collection<Agent> agents = agents(clusterId);
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
        Stage stage = Stage.ofRank(agent.appliedRank).orElse(null);
        send(new HostConfigured(agent.hostId, agent.clusterId, null, null, stage == null ? null : agent.rotationId,
                stage == null ? null : stage.version(), stage == null ? null : stage.phase(), true, true, true,
                List.of(new PostureCheck("sasl-credential", CheckStatus.PASS, null)), null, Instant.now()));
        acksSent.incrementAndGet();
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
