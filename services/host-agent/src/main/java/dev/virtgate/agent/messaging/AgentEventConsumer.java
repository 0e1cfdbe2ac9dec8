package dev.virtgate.agent.messaging;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.trust.EventRefusedException;
import io.smallrye.reactive.messaging.annotations.Blocking;
import io.smallrye.reactive.messaging.kafka.api.IncomingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;

/**
 * One consumer (group host-agent-<hostId>) over the four topics the agent reads, handing every
 * record to {@link AgentService#receive}, which verifies it before any handling. A poison event
 * (bad headers, schema violation, rejected config value) or a refused one (unsigned, signed by
 * someone not allowed to say it) is nacked, which parks it on the dead-letter topic with the
 * reason while the consumer carries on; it is logged once, without a stack trace.
 */
@ApplicationScoped
public class AgentEventConsumer {
    private static final Logger LOG = Logger.getLogger(AgentEventConsumer.class);

    @Inject
    AgentService agent;

    @Incoming("agent-in")
    @Blocking(ordered = true)
    public CompletionStage<Void> on(Message<byte[]> message) {
        Map<String, String> headers = new HashMap<>();
        message.getMetadata(IncomingKafkaRecordMetadata.class).ifPresent(meta -> {
            for (Header h : meta.getHeaders()) {
                headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
            }
        });
        try {
            agent.receive(headers, message.getPayload());
        } catch (EventRefusedException e) {
            return message.nack(e); // logged where it was refused
        } catch (InvalidEventException | ConfigRejectedException e) {
            LOG.warnf("%s for %s not handled: %s", headers.get(CloudEventHeaders.TYPE), headers.get(CloudEventHeaders.SUBJECT), e.getMessage());
            return message.nack(e);
        }
        return message.ack();
    }
}
