package dev.virtgate.credential.messaging;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.credential.config.CredentialConfig;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.support.metrics.RefusedEvents;
import dev.virtgate.support.inbox.ReceivedEvent;
import dev.virtgate.support.trust.TrustConfig;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.common.header.Header;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * The gate every consumed record passes before any state change: decoded and verified through
 * {@link InboundEvents#decode} (schema, signature, signer certificate, authorization table), then
 * refused if it reports a time further in the future than the allowed clock skew. A batch is
 * verified on several threads and comes back in its order; records of other event families that
 * share the topic are skipped without being decoded.
 */
@ApplicationScoped
public class BatchVerifier {
    private static final Logger LOG = Logger.getLogger(BatchVerifier.class);
    /** Below this many records the hand-over to other threads costs more than it saves. */
    private static final int PARALLEL_FROM = 32;

    @Inject
    InboundEvents inbound;

    @Inject
    TrustConfig trust;

    @Inject
    CredentialConfig config;

    @Inject
    MeterRegistry meters;

    @Inject
    RefusedEvents refusals;

    Clock clock = Clock.systemUTC();

    private ExecutorService helpers;
    private int threads;
    private Timer batchWall;
    private Timer eachRecord;

    /** A record whose producer is proven. */
    public record Accepted(ConsumerRecord<String, byte[]> record, ReceivedEvent received) {
    }

    /** A record refused before any state change, with the reason for the dead-letter topic. */
    public record Refused(ConsumerRecord<String, byte[]> record, String reason) {
    }

    public record Verified(List<Accepted> accepted, List<Refused> refused) {
    }

    @PostConstruct
    void start() {
        int configured = config.consumer().verifyThreads();
        threads = configured > 0 ? configured : Runtime.getRuntime().availableProcessors();
        if (threads > 1) {
            helpers = Executors.newFixedThreadPool(threads - 1, r -> {
                Thread t = new Thread(r, "event-verify");
                t.setDaemon(true);
                return t;
            });
        }
        batchWall = meters.timer("virtgate.credential.verify.batch");
        eachRecord = meters.timer("virtgate.credential.verify.record");
    }

    @PreDestroy
    void stop() {
        if (helpers != null) {
            helpers.shutdownNow();
        }
    }

    public Verified verify(ConsumerRecords<String, byte[]> batch, Set<EventType> handled) {
        List<ConsumerRecord<String, byte[]>> records = new ArrayList<>(batch.count());
        for (ConsumerRecord<String, byte[]> record : batch) {
            String ceType = header(record, CloudEventHeaders.TYPE);
            if (ceType == null || EventType.ofCeType(ceType).map(handled::contains).orElse(true)) {
                records.add(record); // unknown or missing types are decoded, so that they are refused
            }
        }
        long started = System.nanoTime();
        Object[] outcomes = new Object[records.size()];
        if (helpers == null || records.size() < PARALLEL_FROM) {
            checkRange(records, outcomes, 0, 1);
        } else {
            List<Future<?>> running = new ArrayList<>(threads - 1);
            for (int t = 1; t < threads; t++) {
                int first = t;
                running.add(helpers.submit(() -> checkRange(records, outcomes, first, threads)));
            }
            checkRange(records, outcomes, 0, threads);
            awaitAll(running);
        }
        if (!records.isEmpty()) {
            batchWall.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
        List<Accepted> accepted = new ArrayList<>(records.size());
        List<Refused> refused = new ArrayList<>();
        for (Object outcome : outcomes) {
            if (outcome instanceof Accepted a) {
                accepted.add(a);
            } else {
                refused.add((Refused) outcome);
            }
        }
        return new Verified(accepted, refused);
    }

    /** Checks every {@code step}-th record from {@code first}: interleaved, so each thread gets a fair share. */
    private void checkRange(List<ConsumerRecord<String, byte[]>> records, Object[] outcomes, int first, int step) {
        for (int i = first; i < records.size(); i += step) {
            long started = System.nanoTime();
            outcomes[i] = check(records.get(i));
            eachRecord.record(System.nanoTime() - started, TimeUnit.NANOSECONDS);
        }
    }

    private Object check(ConsumerRecord<String, byte[]> record) {
        try {
            ReceivedEvent received = inbound.decode(record);
            String future = fromTheFuture(received);
            if (future != null) {
                EventRefusedException refused = new EventRefusedException(received.producer().toString(),
                        received.envelope().type().ceType(), received.envelope().subject(), future);
                LOG.warnf("%s", refused.getMessage());
                refusals.count(received.envelope().type().ceType(), RefusedEvents.STATE);
                return new Refused(record, refused.getMessage());
            }
            return new Accepted(record, received);
        } catch (EventRefusedException e) {
            return new Refused(record, e.getMessage()); // logged and counted by EventTrust
        } catch (InvalidEventException e) {
            LOG.warnf("invalid event %s@%d:%d: %s", record.topic(), record.partition(), record.offset(), e.getMessage());
            return new Refused(record, e.getMessage());
        }
    }

    /** A report dated in the future would make every later genuine report look older. */
    private String fromTheFuture(ReceivedEvent received) {
        if (received.event() instanceof HostConfigured configured && configured.probedAt() != null) {
            Instant latest = clock.instant().plus(trust.maxClockSkew());
            if (configured.probedAt().isAfter(latest)) {
                return "probedAt is more than " + trust.maxClockSkew().toMinutes() + " min in the future";
            }
        }
        return null;
    }

    private static void awaitAll(List<Future<?>> running) {
        for (Future<?> future : running) {
            try {
                future.get();
            } catch (ExecutionException e) {
                if (e.getCause() instanceof RuntimeException runtime) {
                    throw runtime;
                }
                throw new IllegalStateException(e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while verifying a batch", e);
            }
        }
    }

    private static String header(ConsumerRecord<String, byte[]> record, String name) {
        Header header = record.headers().lastHeader(name);
        return header == null || header.value() == null ? null : new String(header.value(), StandardCharsets.UTF_8);
    }
}
