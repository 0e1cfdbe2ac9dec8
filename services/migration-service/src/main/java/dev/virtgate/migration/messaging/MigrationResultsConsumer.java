package dev.virtgate.migration.messaging;

import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.migration.service.MigrationService;
import dev.virtgate.support.inbox.InboundEvents;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/** virtgate.migrations.results: progress and outcome reported by the source agent. */
@ApplicationScoped
public class MigrationResultsConsumer {

    @Inject
    InboundEvents inbound;

    @Inject
    MigrationService migrations;

    @Incoming("results-in")
    @Blocking
    @Transactional
    public void on(ConsumerRecord<String, byte[]> record) {
        inbound.firstDelivery("results-in", record).ifPresent(received -> {
            if (received.event() instanceof MigrationProgress progress) {
                migrations.apply(progress);
            } else if (received.event() instanceof MigrationCompleted completed) {
                migrations.apply(completed);
            } else if (received.event() instanceof MigrationFailed failed) {
                migrations.apply(failed);
            }
        });
    }
}
