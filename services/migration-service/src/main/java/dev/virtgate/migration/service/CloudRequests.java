package dev.virtgate.migration.service;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.events.CloudMigrationRequested;
import dev.virtgate.contracts.events.CloudRequestAnswered;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.migration.rest.MigrationRequest;
import dev.virtgate.migration.rest.Roles;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.error.DomainException;
import dev.virtgate.support.error.ForbiddenException;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.support.inbox.ReceivedEvent;
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.control.ActivateRequestContext;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.jboss.logging.Logger;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Migration requests of an external cloud (virtgate.cloud.requests, docs/cloud-events.md), taken
 * exactly as {@code POST /v1/migrations} takes them: the same service method (validation, policy,
 * idempotency keyed by the request id, audit with the certificate's subject DN as actor). The
 * signer must be an API client certificate of a trusted CA, valid and not revoked (the gate every
 * event passes), whose role is operator by the HTTPS listener's mapping. The answer goes to the
 * public stream, keyed by the request id: for a new migration in its transaction. An untrusted,
 * malformed or wrong-role request is also dead-lettered (thrown on), with a refused answer when its
 * request id is readable.
 */
@ApplicationScoped
public class CloudRequests {
    public static final String CHANNEL = "cloud-requests-in";
    private static final Logger LOG = Logger.getLogger(CloudRequests.class);
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._:-]{0,127}");

    @Inject
    InboundEvents inbound;

    @Inject
    EventCodec codec;

    @Inject
    OutboxWriter outbox;

    @Inject
    MigrationRequests requests;

    @Inject
    AuditRecorder audit;

    @Inject
    CertificateRoles roles;

    @Inject
    Refusals refusals;

    @Inject
    CurrentIdentityAssociation identities;

    @ActivateRequestContext
    public void handle(ConsumerRecord<String, byte[]> record) {
        ReceivedEvent received;
        try {
            received = inbound.decode(record);
        } catch (InvalidEventException e) {
            String requestId = readableRequestId(record.value());
            if (!(e instanceof EventRefusedException)) {
                LOG.warnf("cloud request %s refused: %s", requestId == null ? "(no readable requestId)" : requestId,
                        e.getMessage());
            }
            if (requestId != null) {
                answer(CloudAnswers.refused(requestId, eventId(record), e), null);
            }
            throw e;
        }
        CloudMigrationRequested request = (CloudMigrationRequested) received.event();
        String actor = received.producer().name();
        X509Certificate leaf = EventSignatures.decodeChain(
                InboundEvents.headers(record).get(EventSignatures.SIGNER_CHAIN)).get(0);
        Set<String> granted = roles.of(leaf);
        identities.setIdentity(QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(actor))
                .addRoles(granted).build());
        AuditEntry entry = AuditEntry.of(AuditActions.MIGRATION_START, request.vmName())
                .host(request.sourceHostId())
                .detail("vm=" + request.vmName() + " destination=" + request.destinationHostId()
                        + " cloudRequest=" + request.requestId());
        if (!granted.contains(Roles.OPERATOR)) {
            String why = "the certificate of " + actor + " maps to roles " + granted + ", not " + Roles.OPERATOR;
            audit.refused(entry, why);
            answer(CloudAnswers.refused(request.requestId(), received.id(), new ForbiddenException(why)), null);
            throw refusals.refuse(received, why); // logged once, counted, dead-lettered
        }
        take(request, received, entry, actor);
    }

    private void take(CloudMigrationRequested request, ReceivedEvent received, AuditEntry entry, String actor) {
        MigrationRequest body = new MigrationRequest(request.vmName(), request.sourceHostId(),
                request.destinationHostId(), request.bandwidthMiBps());
        MigrationRequests.Accepted accepted;
        try {
            accepted = audit.attempt(entry, () -> requests.request(body, request.requestId(), actor,
                    view -> {
                        inbound.firstDelivery(CHANNEL, received);
                        outbox.write(CloudAnswers.accepted(request.requestId(), received.id(), view.id()));
                    }));
        } catch (DomainException e) {
            LOG.infof("cloud request %s refused: %s", request.requestId(), e.getMessage());
            answer(CloudAnswers.refused(request.requestId(), received.id(), e), received);
            return;
        } catch (RuntimeException e) {
            answer(CloudAnswers.refused(request.requestId(), received.id(), "FAILED",
                    "the request could not be taken (" + e.getClass().getSimpleName() + "); send it again",
                    List.of()), null);
            throw e;
        }
        if (accepted.replay()) {
            answer(CloudAnswers.accepted(request.requestId(), received.id(), accepted.migration().id()), received);
        }
    }

    /** In a transaction of its own; once per delivered event when {@code received} is known. */
    private void answer(CloudRequestAnswered answer, ReceivedEvent received) {
        QuarkusTransaction.requiringNew().run(() -> {
            if (received == null || inbound.firstDelivery(CHANNEL, received).isPresent()) {
                outbox.write(answer);
            }
        });
    }

    /** The request id of a request that failed the gate, if its payload names a well-formed one. */
    private String readableRequestId(byte[] payload) {
        try {
            JsonNode id = codec.mapper().readTree(payload).path("requestId");
            return id.isTextual() && REQUEST_ID.matcher(id.asText()).matches() ? id.asText() : null;
        } catch (java.io.IOException | RuntimeException e) {
            return null;
        }
    }

    private static String eventId(ConsumerRecord<String, byte[]> record) {
        String id = InboundEvents.headers(record).getOrDefault(CloudEventHeaders.ID, "");
        return id.length() <= 200 ? id : id.substring(0, 200);
    }
}
