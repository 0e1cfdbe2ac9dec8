package dev.virtgate.migration.messaging;

import dev.virtgate.contracts.LogFields;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.migration.service.MigrationResults;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;
import org.jboss.logging.MDC;

/**
 * virtgate.migrations.results: progress and outcome reported by the source agent, signed with its
 * host key; {@link MigrationResults} refuses a report from any host but the migration's source.
 */
@ApplicationScoped
public class MigrationResultsConsumer {

    @Inject
    InboundEvents inbound;

    @Inject
    MigrationResults results;

    @Incoming("results-in")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, byte[]> record) {
        inbound.firstDelivery("results-in", record).ifPresent(received -> {
            // every result event's subject is its migration id
            MDC.put(LogFields.MIGRATION_ID, received.event().subject());
            try {
                if (received.event() instanceof MigrationProgress progress) {
                    results.apply(progress, received);
                } else if (received.event() instanceof MigrationCompleted completed) {
                    results.apply(completed, received);
                } else if (received.event() instanceof MigrationFailed failed) {
                    results.apply(failed, received);
                }
            } finally {
                MDC.remove(LogFields.MIGRATION_ID);
            }
        });
    }
}
