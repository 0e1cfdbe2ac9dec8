package dev.virtgate.agent.messaging;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
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
 * The agent has no database, hence no outbox: it publishes directly, schema-validated by the
 * contracts' codec, with CloudEvents headers, keyed by the event subject. Everything it emits is
 * either re-derivable (HostConfigured is re-sent every probe period) or tied to a job it runs.
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

    @Override
    public void publish(Event event) {
        byte[] payload = codec.encode(event);
        EventEnvelope env = EventEnvelope.of("virtgate/host-agent/" + config.hostId(), event);
        RecordHeaders headers = new RecordHeaders();
        env.headers().forEach((k, v) -> headers.add(k, v.getBytes(StandardCharsets.UTF_8)));
        OutgoingKafkaRecordMetadata<String> meta = OutgoingKafkaRecordMetadata.<String>builder()
                .withTopic(env.type().topic()).withKey(event.subject()).withHeaders(headers).build();
        CompletableFuture<Void> acked = new CompletableFuture<>();
        emitter.send(Message.of(payload).addMetadata(meta)
                .withAck(() -> {
                    acked.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(t -> {
                    LOG.warnf("publishing %s failed: %s", env.type().ceType(), t.getMessage());
                    acked.completeExceptionally(t);
                    return CompletableFuture.completedFuture(null);
                }));
        LOG.debugf("published %s %s", CloudEventHeaders.TYPE, env.type().ceType());
    }
}
