package dev.virtgate.support.inbox;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.support.metrics.RefusedEvents;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.support.config.ServiceIdentity;
import dev.virtgate.support.trust.InMemoryTrust;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import jakarta.persistence.EntityManager;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A consumer's gate without Quarkus: records signed in process by {@link TestProducer} with certificates
 * from a {@link TestCa}, verified by the real {@link dev.virtgate.support.trust.EventTrust}; the
 * processed-event log is a map behind the {@link EntityManager}.
 */
class InboundEventsTest {
    private static final TestCa CA = new TestCa("inbound-events-test CA");
    private static final TestProducer MIGRATION_SERVICE =
            TestProducer.issuedBy(CA, Producer.service(EventAuthorization.MIGRATION_SERVICE));
    private static final HostDecommissioned EVENT =
            new HostDecommissioned("host-1", "cluster-1", "retired", "operator");

    private final InMemoryTrust trust = new InMemoryTrust(List.of(CA.certificate()));
    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Map<Object, Object> processedLog = new HashMap<>();
    private final InboundEvents inbound = new InboundEvents();

    InboundEventsTest() {
        inbound.codec = new EventCodec();
        inbound.trust = trust.eventTrust(meters);
        inbound.refusals = new RefusedEvents(meters);
        inbound.em = processedLog();
        inbound.identity = new ServiceIdentity() {
            @Override
            public String name() {
                return "test-service";
            }

            @Override
            public String source() {
                return "/virtgate/test-service";
            }
        };
    }

    @Test
    void anEventSignedByItsAuthorizedProducerIsDecodedWithThatProducer() {
        ReceivedEvent received = inbound.decode(record(MIGRATION_SERVICE.sign(EVENT)));

        assertThat(received.event()).isEqualTo(EVENT);
        assertThat(received.producer()).isEqualTo(Producer.service(EventAuthorization.MIGRATION_SERVICE));
        assertThat(refusals()).isZero();
    }

    @Test
    void anEventFromAProducerNotAuthorizedForItsTypeIsRefused() {
        TestProducer pki = TestProducer.issuedBy(CA, Producer.service(EventAuthorization.PKI_SERVICE));

        assertThatThrownBy(() -> inbound.decode(record(pki.sign(EVENT)))).isInstanceOf(EventRefusedException.class);
        assertThat(refusals()).isEqualTo(1);
    }

    @Test
    void anUnsignedEventIsRefused() {
        var unsigned = MIGRATION_SERVICE.sign(EVENT).withHeader(EventSignatures.SIGNATURE, null);

        assertThatThrownBy(() -> inbound.decode(record(unsigned))).isInstanceOf(EventRefusedException.class);
        assertThat(refusals()).isEqualTo(1);
    }

    @Test
    void aPayloadChangedAfterSigningIsRefused() {
        var signed = MIGRATION_SERVICE.sign(EVENT);
        byte[] other = new EventCodec().encode(new HostDecommissioned("host-1", "cluster-1", "stolen", "operator"));

        assertThatThrownBy(() -> inbound.decode(record(signed.withPayload(other))))
                .isInstanceOf(EventRefusedException.class);
    }

    @Test
    void aSignerCertifiedByAnUntrustedCaIsRefusedAfterOneRefreshOfTheBundle() {
        TestProducer impostor = TestProducer.issuedBy(new TestCa("another CA"),
                Producer.service(EventAuthorization.MIGRATION_SERVICE));

        assertThatThrownBy(() -> inbound.decode(record(impostor.sign(EVENT))))
                .isInstanceOf(EventRefusedException.class).hasMessageContaining("not from a trusted CA");
        assertThat(trust.refreshes()).as("a CA may have rotated: the bundle is re-read once").isEqualTo(1);
        assertThat(refusals()).isEqualTo(1);
    }

    @Test
    void aPayloadThatBreaksItsSchemaIsInvalid() {
        var signed = MIGRATION_SERVICE.sign(EVENT).withPayload("{\"hostId\":42}".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> inbound.decode(record(signed))).isInstanceOf(InvalidEventException.class);
        assertThat(refusals("invalid")).isEqualTo(1);
        assertThat(refusals("untrusted")).isZero();
    }

    @Test
    void aRefusalIsCountedWithItsTypeAndReason() {
        TestProducer pki = TestProducer.issuedBy(CA, Producer.service(EventAuthorization.PKI_SERVICE));

        assertThatThrownBy(() -> inbound.decode(record(pki.sign(EVENT)))).isInstanceOf(EventRefusedException.class);
        var counter = meters.find(RefusedEvents.NAME).tag("reason", "untrusted")
                .tag("type", "virtgate.host.decommissioned.v1").counter();
        assertThat(counter).isNotNull();
        assertThat(counter.count()).isEqualTo(1);
    }

    @Test
    void anUnknownTypeIsCountedAsUnknownNotUnderTheNameItClaims() {
        var signed = MIGRATION_SERVICE.sign(EVENT);
        ConsumerRecord<String, byte[]> record = record(signed);
        record.headers().remove("ce_type");
        record.headers().add("ce_type", "virtgate.made.up.v1".getBytes(StandardCharsets.UTF_8));

        assertThatThrownBy(() -> inbound.decode(record)).isInstanceOf(InvalidEventException.class);
        assertThat(meters.find(RefusedEvents.NAME).tag("type", "unknown").tag("reason", "invalid").counter())
                .isNotNull();
    }

    @Test
    void theFirstDeliveryIsHandledARedeliveryIsSkipped() {
        ConsumerRecord<String, byte[]> record = record(MIGRATION_SERVICE.sign(EVENT));

        Optional<ReceivedEvent> first = inbound.firstDelivery("hosts", record);
        assertThat(first).isPresent();
        assertThat(processedLog).containsOnlyKeys("test-service:hosts/" + first.get().id());
        assertThat(inbound.firstDelivery("hosts", record)).as("redelivered: already handled").isEmpty();
        assertThat(processedLog).hasSize(1);
    }

    @Test
    void eachConsumerHandlesTheEventOnce() {
        ConsumerRecord<String, byte[]> record = record(MIGRATION_SERVICE.sign(EVENT));

        assertThat(inbound.firstDelivery("hosts", record)).isPresent();
        assertThat(inbound.firstDelivery("rotations", record)).as("another consumer of the same service").isPresent();
        assertThat(inbound.firstDelivery("rotations", record)).isEmpty();
    }

    @Test
    void aRefusedEventIsNotRecordedAsProcessed() {
        TestProducer pki = TestProducer.issuedBy(CA, Producer.service(EventAuthorization.PKI_SERVICE));

        assertThatThrownBy(() -> inbound.firstDelivery("hosts", record(pki.sign(EVENT))))
                .isInstanceOf(EventRefusedException.class);
        assertThat(processedLog).isEmpty();
    }

    private double refusals() {
        return meters.find(RefusedEvents.NAME).counters().stream().mapToDouble(c -> c.count()).sum();
    }

    private double refusals(String reason) {
        var counter = meters.find(RefusedEvents.NAME).tag("reason", reason).counter();
        return counter == null ? 0 : counter.count();
    }

    private static ConsumerRecord<String, byte[]> record(TestProducer.Signed signed) {
        ConsumerRecord<String, byte[]> record = new ConsumerRecord<>(signed.envelope().type().topic(), 0, 0,
                signed.envelope().subject(), signed.payload());
        signed.headers().forEach((name, value) -> record.headers().add(name, value.getBytes(StandardCharsets.UTF_8)));
        return record;
    }

    /** The processed-event log: find and persist of {@link ProcessedEvent} by id, nothing else. */
    private EntityManager processedLog() {
        return (EntityManager) Proxy.newProxyInstance(EntityManager.class.getClassLoader(),
                new Class<?>[] {EntityManager.class}, (proxy, method, args) -> switch (method.getName()) {
                    case "find" -> processedLog.get(args[1]);
                    case "persist" -> {
                        ProcessedEvent row = (ProcessedEvent) args[0];
                        if (processedLog.putIfAbsent(row.id, row) != null) {
                            throw new IllegalStateException("duplicate key " + row.id);
                        }
                        yield null;
                    }
                    default -> throw new UnsupportedOperationException(method.getName());
                });
    }
}
