package dev.virtgate.agent.messaging;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.service.AgentPaths;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.annotation.PostConstruct;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;

/**
 * Publishes the agent's events, schema-validated by the contracts' codec, with CloudEvents headers,
 * keyed by the event subject. A migration's result goes through the {@link EventSpool} first, so a
 * broker outage or an agent restart cannot lose it; everything else is re-derivable (HostConfigured
 * is re-sent every probe period, progress is superseded a second later).
 */
@ApplicationScoped
public class KafkaEventSink implements EventSink {
    private static final Logger LOG = Logger.getLogger(KafkaEventSink.class);
    private final EventCodec codec = new EventCodec();

    @Inject
    @Channel("agent-out")
    Emitter<byte[]> emitter;

    @Inject
    AgentConfig config;

    private EventSpool spool;

    @PostConstruct
    void init() {
        spool = new EventSpool(new AgentPaths(config.paths()).stateDir.resolve("outbox"));
    }

    @Override
    public void publish(Event event) {
        EventEnvelope env = EventEnvelope.of("virtgate/host-agent/" + config.hostId(), event);
        EventSpool.Entry entry = new EventSpool.Entry(env.type().topic(), event.subject(), env.headers(),
                new String(codec.encode(event), StandardCharsets.UTF_8));
        if (mustNotBeLost(event)) {
            send(spool.write(entry));
        } else {
            send(entry, env.type().ceType());
        }
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

    static boolean mustNotBeLost(Event event) {
        return event instanceof MigrationCompleted || event instanceof MigrationFailed;
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
        OutgoingKafkaRecordMetadata<String> meta = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(entry.topic()).withKey(entry.key()).withHeaders(headers).build();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        try {
            emitter.send(Message.of(entry.payload().getBytes(StandardCharsets.UTF_8)).addMetadata(meta)
                    .withAck(() -> {
                        acked.complete(null);
                        return CompletableFuture.completedFuture(null);
                    })
                    .withNack(t -> {
                        LOG.warnf("publishing %s failed: %s", ceType, t.getMessage());
                        acked.completeExceptionally(t);
                        return CompletableFuture.completedFuture(null);
                    }));
        } catch (RuntimeException e) { // emitter overflow or a closed channel: the spool keeps the event
            LOG.warnf("publishing %s failed: %s", ceType, e.getMessage());
            acked.completeExceptionally(e);
        }
        LOG.debugf("published %s", ceType);
        return acked;
    }
}
