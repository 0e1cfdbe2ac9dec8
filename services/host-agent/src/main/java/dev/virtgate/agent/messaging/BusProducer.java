package dev.virtgate.agent.messaging;

import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The agent's producer for one bus identity at a time: made on first send, replaced when
 * {@link AgentBus} switches identity (sends in flight finish on the old one; a send the switch
 * closed under it is sent once more as the new identity), and renewed after a refusal.
 */
final class BusProducer {
    private static final Duration CLOSE = Duration.ofSeconds(10);

    private final String clientId;
    private final Supplier<BusIdentity> initial;
    private BusIdentity current; // guarded by this, as the producer made for it
    private KafkaProducer<String, byte[]> producer;
    private volatile KafkaProducer<String, byte[]> retired; // the last one a switch closed

    BusProducer(String clientId, Supplier<BusIdentity> initial) {
        this.clientId = clientId;
        this.initial = initial;
    }

    /** The identity sends use now (the initial one until the first switch). */
    synchronized BusIdentity identity() {
        if (current == null) {
            current = initial.get();
        }
        return current;
    }

    /** Sends as the current identity; completes when the broker acknowledged it (acks=all). */
    CompletableFuture<Void> send(ProducerRecord<String, byte[]> record) {
        CompletableFuture<Void> acked = new CompletableFuture<>();
        KafkaProducer<String, byte[]> p = null;
        try {
            p = producer();
            KafkaProducer<String, byte[]> sending = p;
            p.send(record, (meta, failure) -> {
                if (failure == null) {
                    acked.complete(null);
                } else if (replaced(sending)) { // closed under it by a rebuild: once more, as the new identity
                    resend(record, acked);
                } else {
                    refused(sending, failure);
                    acked.completeExceptionally(failure);
                }
            });
        } catch (RuntimeException e) { // refused before it left (closed, or in the error state of an earlier refusal)
            if (p != null && replaced(p)) {
                resend(record, acked);
            } else {
                refused(p, e);
                acked.completeExceptionally(e);
            }
        }
        return acked;
    }

    private boolean replaced(KafkaProducer<String, byte[]> p) {
        return p == retired;
    }

    private void resend(ProducerRecord<String, byte[]> record, CompletableFuture<Void> acked) {
        send(record).whenComplete((ok, failure) -> {
            if (failure == null) {
                acked.complete(null);
            } else {
                acked.completeExceptionally(failure);
            }
        });
    }

    /**
     * An idempotent producer the broker refused (ACLs withdrawn, login failed) may stay in its error
     * state: the next send gets a fresh one, so access granted again works without a restart.
     */
    private void refused(KafkaProducer<String, byte[]> p, Throwable failure) {
        if (p == null || !refusal(failure)) {
            return;
        }
        synchronized (this) {
            if (producer != p) {
                return;
            }
            producer = null;
        }
        CompletableFuture.runAsync(() -> p.close(CLOSE)); // never from the producer's own callback thread
    }

    static boolean refusal(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof org.apache.kafka.common.errors.AuthorizationException
                    || t instanceof org.apache.kafka.common.errors.AuthenticationException) {
                return true;
            }
        }
        return false;
    }

    private synchronized KafkaProducer<String, byte[]> producer() {
        if (producer == null) {
            if (current == null) {
                current = initial.get();
            }
            Map<String, Object> props = new HashMap<>(current.clientConfig());
            props.put("acks", "all");
            props.put("client.id", clientId);
            producer = new KafkaProducer<>(props, new StringSerializer(), new ByteArraySerializer());
        }
        return producer;
    }

    /** Makes the next send use {@code next} (null: none); sends in flight finish on the old producer first. */
    void switchTo(BusIdentity next) {
        KafkaProducer<String, byte[]> old;
        synchronized (this) {
            if (next != null && next.sameAs(current)) {
                return;
            }
            old = producer;
            producer = null;
            current = next;
            retired = old;
        }
        if (old != null) {
            old.close(CLOSE);
        }
    }

}
