package dev.virtgate.credential.messaging;

import dev.virtgate.contracts.EventType;
import dev.virtgate.credential.service.FollowUpRunner;
import dev.virtgate.credential.service.HostEventsProcessor;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.support.metrics.RefusedEvents;
import dev.virtgate.support.inbox.ReceivedEvent;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * Consumes {@code virtgate.hosts} and {@code virtgate.pki} in batches (acknowledgements of thousands
 * of hosts arrive at once during a rotation). Every record is verified first ({@link BatchVerifier});
 * refused and poison records are parked one by one, the rest of the batch is applied in one
 * transaction, where enrollments may still be refused against the registration; OpenBao follow-ups
 * (revocations, grants, owed rotations) run after the commit. Of {@code virtgate.pki} only CertIssued
 * and CertRevoked concern this service; the other events there are skipped undecoded.
 */
@ApplicationScoped
public class HostEventsConsumer {
    private static final Logger LOG = Logger.getLogger(HostEventsConsumer.class);
    static final String CONSUMER = "hosts-in";
    private static final Set<EventType> HANDLED = Set.of(EventType.HOST_REGISTERED, EventType.HOST_DECOMMISSIONED,
            EventType.HOST_ENROLLED, EventType.HOST_CONFIGURED, EventType.CERT_ISSUED, EventType.CERT_REVOKED);
    private static final int ATTEMPTS = 3;

    @Inject
    BatchVerifier verifier;

    @Inject
    InboundEvents inbound;

    @Inject
    HostEventsProcessor processor;

    @Inject
    FollowUpRunner followUps;

    @Inject
    DeadLetters deadLetters;

    @Inject
    RefusedEvents refusals;

    @Incoming("hosts-in")
    @Blocking
    public void on(ConsumerRecords<String, byte[]> batch) {
        long started = System.nanoTime();
        BatchVerifier.Verified verified = verifier.verify(batch, HANDLED);
        List<CompletableFuture<Void>> parked = new ArrayList<>();
        verified.refused().forEach(r -> parked.add(deadLetters.park(r.record(), r.reason())));
        List<BatchVerifier.Accepted> accepted = verified.accepted();
        if (!accepted.isEmpty()) {
            HostEventsProcessor.Applied applied = apply(accepted);
            applied.refused().forEach((i, reason) -> {
                ReceivedEvent refused = accepted.get(i).received();
                refusals.count(refused.envelope().type().ceType(), RefusedEvents.STATE);
                parked.add(deadLetters.park(accepted.get(i).record(), reason));
            });
            long applyEnded = System.nanoTime();
            followUps.run(applied.followUps());
            LOG.debugf("batch of %d records (%d host events, %d refused) applied in %d ms", batch.count(),
                    accepted.size(), parked.size(), (applyEnded - started) / 1_000_000);
        }
        DeadLetters.await(parked);
    }

    private HostEventsProcessor.Applied apply(List<BatchVerifier.Accepted> accepted) {
        List<ReceivedEvent> events = accepted.stream().map(BatchVerifier.Accepted::received).toList();
        for (int attempt = 1; ; attempt++) {
            try {
                return processor.process(events,
                        i -> inbound.firstDelivery(CONSUMER, accepted.get(i).received()).isPresent());
            } catch (RuntimeException e) {
                if (attempt >= ATTEMPTS) {
                    throw e;
                }
                LOG.warnf("batch of %d host events failed (attempt %d), retrying: %s", events.size(), attempt,
                        e.getMessage());
            }
        }
    }
}
