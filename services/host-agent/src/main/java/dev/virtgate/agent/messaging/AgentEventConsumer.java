package dev.virtgate.agent.messaging;

import dev.virtgate.agent.openbao.OpenBaoAccess;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationRequested;
import io.smallrye.reactive.messaging.annotations.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * One consumer (group host-agent-<hostId>) over the four topics the agent reads. Types it does not
 * handle are skipped without decoding; handled ones are schema-validated, and a poison event
 * (bad headers, schema violation, rejected config value) throws, which sends it to the dead-letter
 * topic while the consumer carries on.
 */
@ApplicationScoped
public class AgentEventConsumer {
    private static final Logger LOG = Logger.getLogger(AgentEventConsumer.class);
    private static final Set<String> HANDLED = Set.of("virtgate.host.access-granted.v1",
            "virtgate.pki.cert-issued.v1", "virtgate.pki.cert-revoked.v1", "virtgate.pki.cert-renewal-requested.v1",
            "virtgate.credential.rotated.v1", "virtgate.migration.requested.v1",
            "virtgate.migration.cancel-requested.v1");
    private final EventCodec codec = new EventCodec();

    @Inject
    AgentService agent;

    @Inject
    OpenBaoAccess openBao;

    @Incoming("agent-in")
    @Blocking(ordered = true)
    public void on(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        for (Header h : record.headers()) {
            headers.put(h.key(), h.value() == null ? null : new String(h.value(), StandardCharsets.UTF_8));
        }
        String type = headers.get("ce_type");
        if (type == null || !HANDLED.contains(type)) {
            return;
        }
        EventEnvelope env = EventEnvelope.fromHeaders(headers);
        Event event = codec.decode(env.type(), record.value());
        dispatch(event);
    }

    void dispatch(Event event) {
        if (event instanceof HostAccessGranted e) {
            if (agent.config().hostId().equals(e.hostId())) {
                openBao.onAccessGranted(e, agent.hostKey().privateKey());
                agent.onAccessGranted(e.roleId(), e.credentialKvPath());
                agent.applyAndReport();
            }
        } else if (event instanceof CertIssued e) {
            agent.onCertIssued(e);
        } else if (event instanceof CertRevoked e) {
            agent.onCertRevoked(e);
        } else if (event instanceof CertRenewalRequested e) {
            agent.onRenewalRequested(e);
        } else if (event instanceof CredentialRotated e) {
            agent.onCredentialRotated(e);
        } else if (event instanceof MigrationRequested e) {
            agent.onMigrationRequested(e);
        } else if (event instanceof MigrationCancelRequested e) {
            agent.onMigrationCancelRequested(e);
        } else {
            LOG.debugf("ignoring %s", event.getClass().getSimpleName());
        }
    }
}
