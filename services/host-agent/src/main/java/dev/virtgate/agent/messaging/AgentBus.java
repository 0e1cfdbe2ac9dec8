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
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * from the committed offset (at-least-once; handlers are idempotent). The producer (acks=all) is
 * made on first send and replaced by the consumer thread at the same moment as the consumer.
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
    private BusIdentity current; // guarded by this, as the producer made for it
    private KafkaProducer<String, byte[]> producer;
    private volatile KafkaProducer<String, byte[]> retired; // the last one a rebuild closed
    private volatile KafkaConsumer<String, byte[]> consumer;
    private volatile boolean running;
    private volatile String problem = "not polled yet";
    private Thread thread;

    /** After the start-up lock-down: reads the bus CA (start-up fails if it cannot) and starts consuming. */
    void start(@Observes StartupEvent ev) {
        settings();
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
        switchProducer(null);
    }

    /** Sends a record as the current identity; completes when the broker acknowledged it (acks=all). */
    public CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        KafkaProducer<String, byte[]> p = null;
        try {
            p = producer();
            KafkaProducer<String, byte[]> sending = p;
            p.send(record, (meta, failure) -> {
                if (failure == null) {
                    acked.complete(null);
                } else if (replaced(sending)) { // closed under it by a rebuild: once more, as the new identity
                    resend(record, acked);
                } else {
                    refused(sending, failure);
                    acked.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) { // refused before it left (closed, or in the error state of an earlier refusal)
            if (p != null && replaced(p)) {
                resend(record, acked);
            } else {
                refused(p, e);
                acked.completeExceptionally(e);
            }
        }
        return acked;
    }

    private boolean replaced(KafkaProducer<String, byte[]> p) {
        return p == retired;
    }

    private void resend(ProducerRecord<String, byte[]> record, CompletableFuture<Void> acked) {
        send(record).whenComplete((ok, failure) -> {
            if (failure == null) {
                acked.complete(null);
            } else {
                acked.completeExceptionally(failure);
            }
        });
    }

    /**
     * An idempotent producer the broker refused (ACLs withdrawn, login failed) may stay in its error
     * state: the next send gets a fresh one, so access granted again works without a restart.
     */
    private void refused(KafkaProducer<String, byte[]> p, Throwable failure) {
        if (p == null || !refusal(failure)) {
            return;
        }
        synchronized (this) {
            if (producer != p) {
                return;
            }
            producer = null;
        }
        CompletableFuture.runAsync(() -> p.close(CLOSE)); // never from the producer's own callback thread
    }

    private static boolean refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthorizationException
                    || t instanceof org.apache.kafka.common.errors.AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    /** The principal the clients log in as now. */
    public String principal() {
        return identity().principal();
    }

    /** The identity the clients use now: principal, certificate serial, client settings. */
    public synchronized BusIdentity identity() {
        return current == null ? wanted() : current;
    }

    /** Null while consuming normally; otherwise why not (the readiness check reports it). */
    public String problem() {
        return running && thread != null && thread.isAlive() ? problem : "consumer not running";
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            if (current == null) {
                current = wanted();
            }
            Map<String, Object> props = new HashMap<>(current.clientConfig());
            props.put("acks", "all");
            props.put("client.id", "host-agent-" + config.hostId() + "-out");
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Makes the next send use {@code next} (null: none); sends in flight finish on the old producer first. */
    private void switchProducer(BusIdentity next) {
        KafkaProducer<String, byte[]> old;
        synchronized (this) {
            if (next != null && next.sameAs(current)) {
                return;
            }
            old = producer;
            producer = null;
            current = next;
            retired = old;
        }
        if (old != null) {
            old.close(CLOSE);
        }
    }

    private void consume() {
        AgentEventConsumer handler = new AgentEventConsumer(agent.get());
        BusIdentity consuming = null;
        while (running) {
            try {
                if (consumer == null || !consuming.sameAs(wantedIfChanged(consuming))) {
                    closeConsumer();
                    consuming = wanted();
                    switchProducer(consuming);
                    consumer = newConsumer(consuming);
                    LOG.infof("consuming %s as bus principal '%s'", consuming.topics(), consuming);
                }
                var records = consumer.poll(POLL);
                if (problem != null) {
                    problem = null;
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
                throw new IllegalStateException(BusRefusal.explain(e.getCause(), principal()), e.getCause());
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
