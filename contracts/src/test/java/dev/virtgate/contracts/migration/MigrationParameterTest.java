package dev.virtgate.contracts.migration;

import dev.virtgate.contracts.migration.MigrationParameter.Type;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

import static dev.virtgate.contracts.migration.MigrationParameter.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MigrationParameterTest {

    /** libvirt-domain.h: VIR_MIGRATE_PARAM_* name and the VIR_TYPED_PARAM_* type its comment gives. */
    @Test
    void everyParameterHasLibvirtsNameAndType() {
        Map<MigrationParameter, String> expected = new LinkedHashMap<>();
        expected.put(MIGRATE_URI, "migrate_uri STRING");
        expected.put(TLS_DESTINATION, "tls.destination STRING");
        expected.put(DESTINATION_NAME, "destination_name STRING");
        expected.put(LISTEN_ADDRESS, "listen_address STRING");
        expected.put(GRAPHICS_URI, "graphics_uri STRING");
        expected.put(DESTINATION_XML, "destination_xml STRING");
        expected.put(PERSISTENT_XML, "persistent_xml STRING");
        expected.put(DISKS_URI, "disks_uri STRING");
        expected.put(BANDWIDTH, "bandwidth ULLONG");
        expected.put(BANDWIDTH_POSTCOPY, "bandwidth.postcopy ULLONG");
        expected.put(PARALLEL_CONNECTIONS, "parallel.connections INT");
        expected.put(DISKS_PORT, "disks_port INT");
        expected.put(AUTO_CONVERGE_INITIAL, "auto_converge.initial INT");
        expected.put(AUTO_CONVERGE_INCREMENT, "auto_converge.increment INT");
        assertEquals(List.of(values()), List.copyOf(expected.keySet()));
        for (MigrationParameter p : values()) {
            assertEquals(expected.get(p), p.libvirtName() + " " + p.type(), p.name());
        }
    }

    @Test
    void lookupIsByLibvirtNameOnly() {
        for (MigrationParameter p : values()) {
            assertEquals(p, MigrationParameter.byLibvirtName(p.libvirtName()).orElseThrow());
            assertEquals(p, MigrationParameter.require(p.libvirtName()));
        }
        assertTrue(MigrationParameter.byLibvirtName("tls_destination").isEmpty());
        assertTrue(MigrationParameter.byLibvirtName("TLS_DESTINATION").isEmpty());
        assertTrue(MigrationParameter.byLibvirtName(null).isEmpty());
        InvalidMigrationParameterException e = assertThrows(InvalidMigrationParameterException.class,
                () -> MigrationParameter.require("tls_destination"));
        assertEquals("unsupported migration parameter tls_destination", e.getMessage());
        assertEquals("tls_destination", e.parameter());
        e = assertThrows(InvalidMigrationParameterException.class, () -> MigrationParameter.require("x\"\nlisten_tcp = 1"));
        assertEquals("unsupported migration parameter x??listen_tcp???1", e.getMessage());
        assertEquals(List.copyOf(MigrationParameter.libvirtNames()),
                java.util.Arrays.stream(values()).map(MigrationParameter::libvirtName).toList());
    }

    @Test
    void stringsAreOneTo512CharactersWithoutNul() {
        for (String ok : List.of("b.lab.virtgate.test", "tcp://[fd00::2]", "x", "a".repeat(512), "line\nbreak")) {
            assertEquals(ok, TLS_DESTINATION.validate(ok));
        }
        for (String bad : List.of("", "a".repeat(513), "host\0evil")) {
            InvalidMigrationParameterException e = assertThrows(InvalidMigrationParameterException.class,
                    () -> MIGRATE_URI.validate(bad));
            assertEquals("migration parameter migrate_uri must be 1 to 512 characters without NUL", e.getMessage());
        }
        assertThrows(InvalidMigrationParameterException.class, () -> DESTINATION_NAME.validate(null));
        assertThrows(IllegalStateException.class, () -> TLS_DESTINATION.number("1"));
    }

    @Test
    void unsignedLongLongsAreDecimalsBelowTenToTheEighteen() {
        assertEquals(0, BANDWIDTH.number("0"));
        assertEquals(500, BANDWIDTH.number("500"));
        assertEquals(MAX_ULLONG, BANDWIDTH_POSTCOPY.number("999999999999999999"));
        for (String bad : List.of("", "-1", "+1", "01", "1.5", "1e3", " 5", "5\n", "x", "1000000000000000000",
                "99999999999999999999")) {
            InvalidMigrationParameterException e = assertThrows(InvalidMigrationParameterException.class,
                    () -> BANDWIDTH.validate(bad), bad);
            assertEquals("migration parameter bandwidth must be a whole number from 0 to 999999999999999999",
                    e.getMessage());
        }
    }

    @Test
    void parallelConnectionsAreOneToSixteen() {
        assertEquals(1, PARALLEL_CONNECTIONS.min());
        assertEquals(16, PARALLEL_CONNECTIONS.max());
        for (int n = 1; n <= 16; n++) {
            assertEquals(n, PARALLEL_CONNECTIONS.number(Integer.toString(n)));
        }
        for (String bad : List.of("0", "17", "-1", "016", "4 ", "2147483648", "four")) {
            InvalidMigrationParameterException e = assertThrows(InvalidMigrationParameterException.class,
                    () -> PARALLEL_CONNECTIONS.validate(bad), bad);
            assertEquals("migration parameter parallel.connections must be a whole number from 1 to 16", e.getMessage());
            assertEquals("parallel.connections", e.parameter());
        }
    }

    /** Each numeric pattern says exactly its range, so the schema (which has only the pattern) agrees. */
    @Test
    void numericPatternsSayExactlyTheirRange() {
        for (MigrationParameter p : values()) {
            if (p.type() != Type.INT) {
                continue;
            }
            Pattern pattern = Pattern.compile(p.valuePattern());
            for (long n = -1; n <= Math.min(p.max() + 5_000, 100_000); n++) {
                boolean inRange = n >= p.min() && n <= p.max();
                assertEquals(inRange, pattern.matcher(Long.toString(n)).matches(), p + " " + n);
                String value = Long.toString(n);
                if (inRange) {
                    assertEquals(n, p.number(value));
                } else {
                    assertThrows(InvalidMigrationParameterException.class, () -> p.validate(value), p + " " + n);
                }
            }
            assertTrue(p.max() <= Integer.MAX_VALUE, p.name());
        }
        assertEquals(65_535, DISKS_PORT.max());
        assertFalse(Pattern.compile(BANDWIDTH.valuePattern()).matcher(Long.toString(MAX_ULLONG + 1)).matches());
    }

    @Test
    void messagesNameTheParameterNeverTheValue() {
        String secret = "s3cr3t-value-that-must-not-leak";
        for (MigrationParameter p : values()) {
            String value = p.type() == Type.STRING ? secret + "\0" : secret;
            InvalidMigrationParameterException e = assertThrows(InvalidMigrationParameterException.class,
                    () -> p.validate(value));
            assertFalse(e.getMessage().contains(secret), e.getMessage());
            assertTrue(e.getMessage().contains(p.libvirtName()), e.getMessage());
        }
    }
}
