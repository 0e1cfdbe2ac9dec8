package dev.virtgate.agent.messaging;

import dev.virtgate.bus.BusRefusal;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.service.SignedEventSink;
import dev.virtgate.agent.trust.SignedEvent;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes the agent's signed events (CloudEvents headers with {@code ce_signature} and
 * {@code ce_signerchain}), keyed by the event subject. A migration's result goes through the
 * {@link EventSpool} first, headers included, so a broker outage or an agent restart cannot lose
 * it and its re-sent copy carries the same ce_id and signature; everything else is re-derivable
 * (HostConfigured is re-sent every probe period, progress is superseded a second later).
 */
@ApplicationScoped
public class KafkaEventSink implements SignedEventSink {
    private static final Logger LOG = Logger.getLogger(KafkaEventSink.class);

    @Inject
    AgentBus bus;

    @Inject
    AgentConfig config;

    private EventSpool spool;

    @PostConstruct
    void init() {
        spool = new EventSpool(new AgentPaths(config.paths()).stateDir.resolve("outbox"));
    }

    @Override
    public void send(SignedEvent event) {
        EventSpool.Entry entry = entry(event);
        if (mustNotBeLost(event.envelope().type())) {
            send(spool.write(entry));
        } else {
            send(entry, event.envelope().type().ceType());
        }
    }

    /** The record as it goes to Kafka (and into the spool): topic, key, every header, the payload. */
    public static EventSpool.Entry entry(SignedEvent event) {
        return new EventSpool.Entry(event.envelope().type().topic(), event.envelope().subject(), event.headers(),
                new String(event.payload(), StandardCharsets.UTF_8));
    }

    /** Sends what an earlier attempt or an earlier run of the agent left in the spool. */
    @Scheduled(every = "${virtgate.agent.outbox-retry:15s}", delayed = "${virtgate.agent.outbox-retry:15s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void resendSpooled() {
        var pending = spool.claimPending();
        if (!pending.isEmpty()) {
            LOG.infof("sending %d spooled event(s) again", pending.size());
            pending.forEach(this::send);
        }
    }

    EventSpool spool() {
        return spool;
    }

    static boolean mustNotBeLost(EventType type) {
        return type == EventType.MIGRATION_COMPLETED || type == EventType.MIGRATION_FAILED;
    }

    private void send(EventSpool.Pending pending) {
        send(pending.entry(), pending.entry().headers().get(CloudEventHeaders.TYPE))
                .whenComplete((ok, failure) -> {
                    if (failure == null) {
                        spool.delivered(pending);
                    } else {
                        spool.release(pending);
                    }
                });
    }

    private CompletableFuture<Void> send(EventSpool.Entry entry, String ceType) {
        RecordHeaders headers = new RecordHeaders();
        entry.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        ProducerRecord<String, byte[]> record = new ProducerRecord<>(entry.topic(), null, entry.key(),
                entry.payload().getBytes(StandardCharsets.UTF_8), headers);
        return bus.send(record).whenComplete((ok, failure) -> {
            if (failure != null) { // the spool keeps an event that must not be lost
                LOG.warnf("publishing %s failed: %s", ceType, BusRefusal.explain(failure, bus.principal()));
            }
        });
    }
}
