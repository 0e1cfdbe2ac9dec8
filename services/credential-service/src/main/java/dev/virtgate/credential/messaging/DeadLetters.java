package dev.virtgate.credential.messaging;

import dev.virtgate.bus.DeadLetterHeaders;
import io.smallrye.reactive.messaging.kafka.api.OutgoingKafkaRecordMetadata;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.eclipse.microprofile.reactive.messaging.Channel;
import org.eclipse.microprofile.reactive.messaging.Emitter;
import org.eclipse.microprofile.reactive.messaging.Message;
import org.eclipse.microprofile.reactive.messaging.OnOverflow;
import org.jboss.logging.Logger;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Parks single records on {@code virtgate.dlq.credential-service} with their key and headers and a
 * {@code dead-letter-reason} that names fields, producers and types, never values. Needed per record
 * because the consumer works in batches: the connector's own dead-letter strategy would park the
 * whole batch. Sends are asynchronous, so a flood of forgeries costs one wait per batch, not one
 * per record; the consumer waits for all of them before its batch counts as consumed. The caller
 * has logged why (once).
 */
@ApplicationScoped
public class DeadLetters {
    private static final Logger LOG = Logger.getLogger(DeadLetters.class);
    private static final Duration SEND_TIMEOUT = Duration.ofSeconds(30);

    @Inject
    @Channel("dead-letter")
    @OnOverflow(OnOverflow.Strategy.UNBOUNDED_BUFFER)
    Emitter<byte[]> emitter;

    public CompletableFuture<Void> park(ConsumerRecord<String, byte[]> record, String reason) {
        RecordHeaders headers = DeadLetterHeaders.of(record, reason, null);
        OutgoingKafkaRecordMetadata<String> metadata = OutgoingKafkaRecordMetadata.<String>builder()
                .withKey(record.key()).withHeaders(headers).build();
        CompletableFuture<Void> sent = new CompletableFuture<>();
        emitter.send(Message.of(record.value() == null ? new byte[0] : record.value())
                .addMetadata(metadata)
                .withAck(() -> {
                    sent.complete(null);
                    return CompletableFuture.completedFuture(null);
                })
                .withNack(e -> {
                    sent.completeExceptionally(e);
                    return CompletableFuture.completedFuture(null);
                }));
        LOG.debugf("parking %s@%d:%d on the dead-letter topic", record.topic(), record.partition(), record.offset());
        return sent;
    }

    /** Waits until the broker took every parked record; throws (the batch is redelivered) if one failed. */
    public static void await(List<CompletableFuture<Void>> parked) {
        if (!parked.isEmpty()) {
            CompletableFuture.allOf(parked.toArray(CompletableFuture[]::new))
                    .orTimeout(SEND_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS).join();
        }
    }
}
