package dev.virtgate.migration.messaging;

import dev.virtgate.migration.service.CloudRequests;
import io.smallrye.common.annotation.Blocking;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.eclipse.microprofile.reactive.messaging.Incoming;

/**
 * virtgate.cloud.requests: migrations an external cloud asks for, signed with its API client
 * certificate. What {@link CloudRequests} throws goes to virtgate.dlq.migration-service.
 */
@ApplicationScoped
public class CloudRequestsConsumer {

    @Inject
    CloudRequests requests;

    @Incoming(CloudRequests.CHANNEL)
    @Blocking
    public void on(ConsumerRecord<String, byte[]> record) {
        requests.handle(record);
    }
}
