package dev.virtgate.agent.messaging;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.bus.BusRefusal;
import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * The agent's two Kafka clients, rebuilt whenever its bus identity changes ({@link BusIdentity}):
 * the enrollment principal before the first certificate, the host certificate after it and after
 * every renewal. One consumer thread ({@code agent-in}, group {@code host-agent-<hostId>}) hands
 * the records of the topics it may read in order to {@link AgentEventConsumer}, parks refused ones on the
 * dead-letter topic, commits each offset once its record is handled, and checks the identity between
 * records: a record is never half handled when the clients change, and the new consumer resumes
 * from the committed offset (at-least-once; handlers are idempotent). The producer
 * ({@link BusProducer}) is replaced by the consumer thread at the same moment as the consumer.
 */
@ApplicationScoped
public class AgentBus {
    private static final Logger LOG = Logger.getLogger(AgentBus.class);
    static final String DEAD_LETTER_TOPIC = Topics.deadLetter(BusAccess.HOST_AGENT);
    private static final Duration POLL = Duration.ofMillis(500);
    private static final Duration BACKOFF = Duration.ofSeconds(2);
    private static final Duration CLOSE = Duration.ofSeconds(10);

    @Inject
    AgentConfig config;

    @Inject
    Instance<AgentService> agent;

    @ConfigProperty(name = "kafka.bootstrap.servers")
    String enrollmentBootstrap;

    @ConfigProperty(name = "virtgate.bus.password")
    String enrollmentPassword;

    private BusIdentity.Settings settings;
    private BusProducer out;
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running;
    private volatile String problem = "not polled yet";
    private boolean accessLost; // consumer thread only
    private Thread thread;

    /** After the start-up lock-down: reads the bus CA (the agent exits if it cannot) and starts consuming. */
    void start(@Observes StartupEvent ev) {
        try {
            settings();
        } catch (IllegalStateException e) { // one line naming the setting and the file, no stack trace
            LOG.error(e.getMessage());
            io.quarkus.runtime.Quarkus.asyncExit(1);
            return;
        }
        running = true;
        thread = new Thread(this::consume, "agent-in");
        thread.setDaemon(true);
        thread.start();
    }

    void stop(@Observes ShutdownEvent ev) throws InterruptedException {
        running = false;
        KafkaConsumer<String, byte[]> c = consumer;
        if (c != null) {
            c.wakeup();
        }
        if (thread != null) {
            thread.join(CLOSE.toMillis());
        }
        out().switchTo(null);
    }

    /** Sends a record as the current identity; completes when the broker acknowledged it (acks=all). */
    public CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
        return out().send(record);
    }

    /** The principal the clients log in as now. */
    public String principal() {
        return identity().principal();
    }

    /** The identity the clients use now: principal, certificate serial, client settings. */
    public BusIdentity identity() {
        return out().identity();
    }

    /** Null while consuming normally; otherwise why not (the readiness check reports it). */
    public String problem() {
        return running && thread != null && thread.isAlive() ? problem : "consumer not running";
    }

    private synchronized BusProducer out() {
        if (out == null) {
            out = new BusProducer("host-agent-" + config.hostId() + "-out", this::wanted);
        }
        return out;
    }

    private void consume() {
        AgentEventConsumer handler = new AgentEventConsumer(agent.get());
        accessLost = agent.get().state().busAccessLost; // a restart keeps TCP closed until the bus accepts the host
        BusIdentity consuming = null;
        while (running) {
            try {
                if (consumer == null || !consuming.sameAs(wantedIfChanged(consuming))) {
                    closeConsumer();
                    BusIdentity next = wanted();
                    boolean changed = !next.sameAs(consuming); // else: again after a refusal, said already
                    consuming = next;
                    out().switchTo(consuming);
                    consumer = newConsumer(consuming);
                    LOG.logf(changed ? Logger.Level.INFO : Logger.Level.DEBUG, "consuming %s as bus principal '%s'",
                            consuming.topics(), consuming);
                }
                var records = consumer.poll(POLL);
                problem = connected(consumer) ? null : "not connected to the broker yet, or no partitions assigned";
                if (accessLost && problem == null) {
                    accessLost = false;
                    agent.get().busAccess(false);
                }
                for (ConsumerRecord<String, byte[]> record : records) {
                    handle(handler, record);
                    if (!consuming.sameAs(wantedIfChanged(consuming))) {
                        break; // the rest of the batch comes again to the rebuilt consumer
                    }
                }
            } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                break;
            } catch (RuntimeException e) {
                String why = BusRefusal.explain(e, consuming == null ? "?" : consuming.principal());
                if (!why.equals(problem)) {
                    LOG.warnf("bus: %s", why); // once per distinct problem, not once per poll
                }
                problem = why;
                if (consuming != null && consuming.certSerial() != null && BusProducer.refusal(e) && !accessLost) {
                    accessLost = true; // the host's certificate refused: fail closed (AgentService#busAccess)
                    agent.get().busAccess(true);
                }
                closeConsumer(); // its position may be past records not handled: resume from the committed offsets
                pause();
            }
        }
        closeConsumer();
    }

    private void handle(AgentEventConsumer handler, ConsumerRecord<String, byte[]> record) {
        Optional<RuntimeException> refused = handler.handle(record);
        if (refused.isPresent()) {
            try {
                send(DeadLetters.record(DEAD_LETTER_TOPIC, record, refused.get())).get(CLOSE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(identity().certSerial() == null && BusProducer.refusal(e.getCause()))) {
                    throw new IllegalStateException(BusRefusal.explain(e.getCause(), principal()), e.getCause());
                }
                // a broker whose ACLs predate the enrollment principal's dead-letter right: skipping beats retrying forever
                LOG.warnf("%s@%d not dead-lettered (%s): skipped", record.topic(), record.offset(),
                        BusRefusal.explain(e.getCause(), principal()));
            } catch (java.util.concurrent.TimeoutException | InterruptedException e) {
                throw new IllegalStateException("dead-lettering " + record.topic() + "@" + record.offset() + " timed out", e);
            }
        }
        consumer.commitSync(Map.of(new TopicPartition(record.topic(), record.partition()),
                new OffsetAndMetadata(record.offset() + 1)));
    }

    /** The identity the agent should use; {@code known} itself while the certificate is the same (cheap). */
    private BusIdentity wantedIfChanged(BusIdentity known) {
        var signing = agent.get().signing();
        return java.util.Objects.equals(BusIdentity.serialOf(signing), known.certSerial()) ? known
                : BusIdentity.of(settings(), signing);
    }

    private BusIdentity wanted() {
        return BusIdentity.of(settings(), agent.get().signing());
    }

    private KafkaConsumer<String, byte[]> newConsumer(BusIdentity identity) {
        Map<String, Object> props = new HashMap<>(identity.clientConfig());
        props.put("group.id", BusAccess.AGENT_GROUP_PREFIX + config.hostId());
        props.put("client.id", "host-agent-" + config.hostId() + "-in");
        props.put("auto.offset.reset", "earliest");
        props.put("enable.auto.commit", "false");
        props.put("max.poll.records", "50");
        // a record may wait for running migrations before libvirtd restarts: the group must not drop us meanwhile
        props.put("max.poll.interval.ms", Long.toString(config.libvirtd().migrationDrainTimeout().plusMinutes(5).toMillis()));
        KafkaConsumer<String, byte[]> c = new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer());
        c.subscribe(identity.topics());
        return c;
    }

    /** What Quarkus' Kafka check asked (a broker answers), plus that the group gave this agent its partitions. */
    private static boolean connected(KafkaConsumer<String, byte[]> c) {
        if (c.assignment().isEmpty()) {
            return false;
        }
        return c.metrics().entrySet().stream().anyMatch(m -> m.getKey().name().equals("connection-count")
                && m.getKey().group().equals("consumer-metrics") && m.getValue().metricValue() instanceof Double d && d > 0);
    }

    private void closeConsumer() {
        KafkaConsumer<String, byte[]> c = consumer;
        consumer = null;
        if (c != null) {
            try {
                c.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(CLOSE));
            } catch (RuntimeException e) {
                LOG.debugf("closing the consumer: %s", e.getMessage());
            }
        }
    }

    private synchronized BusIdentity.Settings settings() {
        if (settings == null) {
            settings = new BusIdentity.Settings(enrollmentBootstrap, enrollmentPassword,
                    config.bus().tlsBootstrapServers(), BusCaFile.read(config.bus().caFile()));
        }
        return settings;
    }

    private static void pause() {
        try {
            Thread.sleep(BACKOFF.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
