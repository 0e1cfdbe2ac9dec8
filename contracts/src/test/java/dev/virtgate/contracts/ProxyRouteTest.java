package dev.virtgate.contracts;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.migration.ProxyRoute;
import dev.virtgate.contracts.events.MigrationRequested;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A TLS_AGENT_PROXY command carries its route signed, and the schema checks it. */
class ProxyRouteTest {
    private static final EventCodec CODEC = new EventCodec();

    private static MigrationRequested proxied(ProxyRoute route) {
        MigrationRequested m = (MigrationRequested) SampleEvents.all().stream()
                .filter(MigrationRequested.class::isInstance).findFirst().orElseThrow();
        return new MigrationRequested(m.migrationId(), m.vmName(), m.clusterId(), m.sourceHostId(),
                m.destinationHostId(), m.destinationUri(), m.flags(), m.parameters(), MigrationMode.TLS_AGENT_PROXY,
                m.reasons(), m.requestedBy(), m.requestedAt(), m.notAfter(), m.signingKey(), m.signature(), route);
    }

    @Test
    void aCommandWithoutRouteSignsAsBefore() {
        MigrationRequested m = (MigrationRequested) SampleEvents.all().stream()
                .filter(MigrationRequested.class::isInstance).findFirst().orElseThrow();
        String payload = new String(m.signingPayload());
        assertFalse(payload.contains("L3["), payload);
        assertTrue(payload.endsWith("S" + m.signingKey().length() + ":" + m.signingKey() + ";"), payload);
    }

    @Test
    void theRouteIsSigned() {
        MigrationRequested route = proxied(new ProxyRoute("192.0.2.20", 16516, "h2.example.test"));
        MigrationRequested elsewhere = proxied(new ProxyRoute("198.51.100.66", 16516, "h2.example.test"));
        MigrationRequested otherName = proxied(new ProxyRoute("192.0.2.20", 16516, "evil.example.test"));
        assertFalse(Arrays.equals(route.signingPayload(), elsewhere.signingPayload()));
        assertFalse(Arrays.equals(route.signingPayload(), otherName.signingPayload()));
        assertFalse(Arrays.equals(route.signingPayload(), proxied(null).signingPayload()));
        assertEquals(route.proxyRoute(), route.withSignature("vault:v1:x").proxyRoute());
    }

    @Test
    void aRouteRoundTripsAndABadOneIsRejectedNamingTheField() throws Exception {
        MigrationRequested command = proxied(new ProxyRoute("fd00:76:2::12", 16516, "h2.example.test"));
        assertEquals(command, CODEC.decode(EventType.MIGRATION_REQUESTED, CODEC.encode(command)));

        ObjectNode tree = (ObjectNode) CODEC.mapper().readTree(CODEC.encode(command));
        ((ObjectNode) tree.get("proxyRoute")).put("port", 22);
        ((ObjectNode) tree.get("proxyRoute")).put("serverName", "h2;rm -rf /");
        InvalidEventException e = assertThrows(InvalidEventException.class,
                () -> CODEC.decode(EventType.MIGRATION_REQUESTED, CODEC.mapper().writeValueAsBytes(tree)));
        assertTrue(e.fields().containsAll(List.of("$.proxyRoute.port", "$.proxyRoute.serverName")),
                e.fields().toString());
    }
}
