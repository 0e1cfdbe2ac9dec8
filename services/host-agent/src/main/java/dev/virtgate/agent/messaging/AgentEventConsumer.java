package dev.virtgate.agent.messaging;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.trust.EventRefusedException;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Hands one record of the four topics the agent reads to {@link AgentService#receive}, which
 * verifies it before any handling. A poison event (bad headers, schema violation, rejected config
 * value) or a refused one (unsigned, signed by someone not allowed to say it) comes back as the
 * reason to park it on the dead-letter topic ({@link AgentBus} does), logged once, without a stack trace.
 */
public final class AgentEventConsumer {
    private static final Logger LOG = Logger.getLogger(AgentEventConsumer.class);

    private final AgentService agent;

    public AgentEventConsumer(AgentService agent) {
        this.agent = agent;
    }

    /** Empty when handled; otherwise why the record goes to the dead-letter topic. */
    public Optional<RuntimeException> handle(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        try {
            agent.receive(headers, record.value());
            return Optional.empty();
        } catch (EventRefusedException e) {
            return Optional.of(e); // logged where it was refused
        } catch (InvalidEventException | ConfigRejectedException e) {
            LOG.warnf("%s for %s not handled: %s", headers.get(CloudEventHeaders.TYPE), headers.get(CloudEventHeaders.SUBJECT),
                    e.getMessage());
            return Optional.of(e);
        } catch (RuntimeException e) {
            LOG.errorf(e, "%s for %s failed", headers.get(CloudEventHeaders.TYPE), headers.get(CloudEventHeaders.SUBJECT));
            return Optional.of(e);
        }
    }
}
