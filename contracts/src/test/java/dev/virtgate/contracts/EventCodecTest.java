package dev.virtgate.contracts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.events.MigrationRequested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventCodecTest {
    private static final EventCodec CODEC = new EventCodec();

    static List<Event> samples() {
        return SampleEvents.all();
    }

    @Test
    void everyEventTypeHasASample() {
        Set<EventType> covered = samples().stream().map(e -> EventType.of(e.getClass())).collect(Collectors.toSet());
        assertEquals(Set.of(EventType.values()), covered);
    }

    @ParameterizedTest
    @MethodSource("samples")
    void everyRecordSerialisesToJsonThatValidatesAndRoundTrips(Event event) throws Exception {
        byte[] json = CODEC.encode(event);
        EventType type = EventType.of(event.getClass());
        CODEC.validate(type, CODEC.mapper().readTree(json));
        assertEquals(event, CODEC.decode(type.ceType(), json));
    }

    /** An agent from before {@code multifdTls} leaves it out: still valid, and read as false. */
    @Test
    void capabilitiesWithoutMultifdTlsAreValidAndMeanNoParallelTls() throws Exception {
        HostEnrolled enrolled = (HostEnrolled) SampleEvents.all().stream().filter(HostEnrolled.class::isInstance)
                .findFirst().orElseThrow();
        assertTrue(enrolled.capabilities().multifdTls());
        ObjectNode tree = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(enrolled));
        ((ObjectNode) tree.get("capabilities")).remove("multifdTls");
        HostEnrolled old = (HostEnrolled) CODEC.decode(EventType.HOST_ENROLLED.ceType(),
                CODEC.mapper().writeValueAsBytes(tree));
        assertFalse(old.capabilities().multifdTls());
        assertEquals(enrolled.capabilities().hostUuid(), old.capabilities().hostUuid());
    }

    /** HostConfigured re-reports multifdTls; an agent from before the field leaves it out: valid, read as unknown. */
    @Test
    void hostConfiguredCarriesMultifdTlsAndOlderAgentsLeaveItUnknown() throws Exception {
        HostConfigured configured = (HostConfigured) SampleEvents.all().stream().filter(HostConfigured.class::isInstance)
                .findFirst().orElseThrow();
        ObjectNode tree = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(configured));
        assertTrue(tree.get("multifdTls").asBoolean(), tree.toString());
        tree.remove("multifdTls");
        CODEC.validate(EventType.HOST_CONFIGURED, tree);
        HostConfigured old = (HostConfigured) CODEC.decode(EventType.HOST_CONFIGURED.ceType(),
                CODEC.mapper().writeValueAsBytes(tree));
        assertNull(old.multifdTls());
        assertEquals(configured.probedAt(), old.probedAt());
        // and what such an agent's record encodes to is valid too
        HostConfigured unknown = new HostConfigured(old.hostId(), old.clusterId(), old.appliedCertSerial(),
                old.certNotAfter(), old.credentialRotationId(), old.credentialVersion(), old.credentialPhase(),
                old.tlsListening(), old.saslListening(), old.nativeTlsMigration(), old.posture(), old.configDigest(),
                old.probedAt());
        byte[] json = CODEC.encode(unknown);
        CODEC.validate(EventType.HOST_CONFIGURED, CODEC.mapper().readTree(json));
        assertEquals(unknown, CODEC.decode(EventType.HOST_CONFIGURED.ceType(), json));
    }

    @Test
    void aMissingRequiredFieldIsRejectedNamingTheField() throws Exception {
        ObjectNode tree = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(SampleEvents.all().get(0)));
        tree.remove("clusterId");
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.HOST_REGISTERED, CODEC.mapper().writeValueAsBytes(tree)));
        assertTrue(e.fields().contains("$.clusterId"), e.fields().toString());
        assertTrue(e.getMessage().contains("$.clusterId"), e.getMessage());
    }

    @Test
    void aValueBreakingAPatternIsRejectedNamingTheFieldButNotTheValue() throws Exception {
        ObjectNode tree = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(SampleEvents.all().get(0)));
        tree.put("hostId", "h1\"\nlisten_tcp = 1");
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.HOST_REGISTERED, CODEC.mapper().writeValueAsBytes(tree)));
        assertEquals(List.of("$.hostId"), e.fields());
        assertFalse(e.getMessage().contains("listen_tcp"), e.getMessage());
    }

    @Test
    void anUnknownFieldIsRejected() throws Exception {
        ObjectNode tree = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(SampleEvents.all().get(0)));
        tree.put("password", "hunter2");
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.HOST_REGISTERED, CODEC.mapper().writeValueAsBytes(tree)));
        assertTrue(e.fields().contains("$.password"), e.fields().toString());
        assertFalse(e.getMessage().contains("hunter2"));
    }

    /** The validator cannot write a path to an empty name; such a payload is still just invalid. */
    @Test
    void aPropertyWithAnEmptyNameIsRejectedAsInvalid() throws Exception {
        MigrationRequested m = (MigrationRequested) SampleEvents.all().get(10);
        ObjectNode command = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(m));
        ((ObjectNode) command.get("parameters")).put("", "x");
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.MIGRATION_REQUESTED, CODEC.mapper().writeValueAsBytes(command)));
        assertEquals(List.of("$"), e.fields());
        ObjectNode registered = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(SampleEvents.all().get(0)));
        registered.put("", "x");
        assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.HOST_REGISTERED, CODEC.mapper().writeValueAsBytes(registered)));
    }

    @Test
    void aProducerCannotEmitAnInvalidEvent() {
        HostRegistered bad = new HostRegistered("H 1", "cluster-a", "h1", List.of("h1"), List.of("not-an-ip"),
                List.of(), "MCowBQYDK2VwAyEA" + "a".repeat(43), SampleEvents.T);
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> CODEC.encode(bad));
        assertTrue(e.fields().containsAll(List.of("$.hostId", "$.managementAddresses[0]")), e.fields().toString());
    }

    @Test
    void garbageIsRejectedAsNotJson() {
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.HOST_ENROLLED.ceType(), "{not json".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("$"), e.fields());
    }

    @Test
    void anEnvelopeIsStampedToTheMicrosecondSoAStoredRowKeepsItsSignedTime() {
        for (int i = 0; i < 50; i++) {
            java.time.Instant time = EventEnvelope.of("/virtgate/test", SampleEvents.all().get(0)).time();
            assertEquals(0, time.getNano() % 1000, time.toString());
        }
    }

    @Test
    void anUnknownTypeIsRejected() {
        assertThrows(InvalidEventException.class, () -> CODEC.decode("virtgate.nope.v1", "{}".getBytes()));
    }

    @Test
    void signingPayloadCoversEveryFieldButTheSignature() {
        MigrationRequested m = (MigrationRequested) SampleEvents.all().get(10);
        assertEquals(new String(m.signingPayload()), new String(m.withSignature("vault:v1:other").signingPayload()));
        MigrationRequested changed = new MigrationRequested(m.migrationId(), m.vmName(), m.clusterId(), m.sourceHostId(),
                "h3", m.destinationUri(), m.flags(), m.parameters(), m.mode(), m.reasons(), m.requestedBy(),
                m.requestedAt(), m.notAfter(), m.signingKey(), m.signature());
        assertFalse(Arrays.equals(m.signingPayload(), changed.signingPayload()));
    }

    @Test
    void envelopeRoundTripsThroughHeaders() {
        Event event = SampleEvents.all().get(0);
        EventEnvelope envelope = EventEnvelope.of("/virtgate/test", event);
        EventEnvelope parsed = EventEnvelope.fromHeaders(envelope.headers());
        assertEquals(envelope, parsed);
        assertEquals("virtgate.host.registered.v1", envelope.headers().get("ce_type"));
        assertEquals("h1", envelope.headers().get("ce_subject"));
    }
}
