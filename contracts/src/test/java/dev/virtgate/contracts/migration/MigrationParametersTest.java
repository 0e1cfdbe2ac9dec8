package dev.virtgate.contracts.migration;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.virtgate.contracts.migration.MigrationParameter.BANDWIDTH;
import static dev.virtgate.contracts.migration.MigrationParameter.MIGRATE_URI;
import static dev.virtgate.contracts.migration.MigrationParameter.PARALLEL_CONNECTIONS;
import static dev.virtgate.contracts.migration.MigrationParameter.TLS_DESTINATION;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationParametersTest {

    @Test
    void builtParametersGoOnTheWireUnderLibvirtsNamesInDeclarationOrder() {
        MigrationParameters p = MigrationParameters.none().with(BANDWIDTH, 300)
                .with(TLS_DESTINATION, "b.lab.virtgate.test").with(MIGRATE_URI, "tcp://10.78.0.2");
        assertEquals(List.of("migrate_uri", "tls.destination", "bandwidth"), List.copyOf(p.toWire().keySet()));
        assertEquals(Map.of("migrate_uri", "tcp://10.78.0.2", "tls.destination", "b.lab.virtgate.test",
                "bandwidth", "300"), p.toWire());
        assertThrows(UnsupportedOperationException.class, () -> p.toWire().put("tls_destination", "x"));
        assertThrows(UnsupportedOperationException.class, () -> p.values().remove(BANDWIDTH));
        assertTrue(MigrationParameters.none().isEmpty());
        assertEquals(Map.of(), MigrationParameters.none().toWire());
    }

    @Test
    void buildingValidatesEveryValue() {
        assertThrows(InvalidMigrationParameterException.class, () -> MigrationParameters.none().with(PARALLEL_CONNECTIONS, 17));
        assertThrows(InvalidMigrationParameterException.class, () -> MigrationParameters.none().with(BANDWIDTH, -1));
        assertThrows(InvalidMigrationParameterException.class, () -> MigrationParameters.none().with(TLS_DESTINATION, ""));
        assertThrows(IllegalArgumentException.class, () -> MigrationParameters.none().with(TLS_DESTINATION, 5));
    }

    @Test
    void theWireFormReadsBackToTheSameParameters() {
        MigrationParameters p = MigrationParameters.none().with(MIGRATE_URI, "tcp://[fd00::2]")
                .with(TLS_DESTINATION, "b.lab.virtgate.test").with(PARALLEL_CONNECTIONS, 8);
        assertEquals(p, MigrationParameters.fromWire(p.toWire()));
        assertEquals(8, PARALLEL_CONNECTIONS.number(MigrationParameters.fromWire(p.toWire()).values().get(PARALLEL_CONNECTIONS)));
        assertEquals(MigrationParameters.none(), MigrationParameters.fromWire(null));
    }

    @Test
    void readingRefusesAnUnknownNameAndAnInvalidValue() {
        Map<String, String> wire = new LinkedHashMap<>();
        wire.put("migrate_uri", "tcp://10.78.0.2");
        wire.put("tls_destination", "b.lab.virtgate.test");
        InvalidMigrationParameterException e = assertThrows(InvalidMigrationParameterException.class,
                () -> MigrationParameters.fromWire(wire));
        assertEquals("unsupported migration parameter tls_destination", e.getMessage());

        e = assertThrows(InvalidMigrationParameterException.class,
                () -> MigrationParameters.fromWire(Map.of("parallel.connections", "64")));
        assertEquals("parallel.connections", e.parameter());
    }
}
