package dev.virtgate.contracts;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.InvalidMigrationParameterException;
import dev.virtgate.contracts.migration.MigrationParameter;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** MigrationRequested's schema knows exactly the parameters of {@link MigrationParameter}, with the same values. */
class MigrationParametersSchemaTest {
    private static final EventCodec CODEC = new EventCodec();

    @Test
    void propertyNamesAreExactlyTheEnumsLibvirtNames() throws Exception {
        JsonNode parameters = parametersSchema();
        List<String> enumerated = new ArrayList<>();
        parameters.at("/propertyNames/enum").forEach(n -> enumerated.add(n.asText()));
        assertEquals(List.copyOf(MigrationParameter.libvirtNames()), enumerated);
        List<String> described = new ArrayList<>();
        parameters.get("properties").fieldNames().forEachRemaining(described::add);
        assertEquals(List.copyOf(MigrationParameter.libvirtNames()), described);
        assertEquals(false, parameters.get("additionalProperties").asBoolean(true));
    }

    @Test
    void everyValueHasTheEnumsPattern() throws Exception {
        JsonNode properties = parametersSchema().get("properties");
        for (MigrationParameter p : MigrationParameter.values()) {
            JsonNode value = properties.get(p.libvirtName());
            assertEquals("string", value.get("type").asText(), p.libvirtName());
            assertEquals(p.valuePattern(), value.get("pattern").asText(), p.libvirtName());
        }
    }

    /** The schema and the enum accept the same values, so neither side can send what the other refuses. */
    @Test
    void schemaAndEnumAgreeOnValues() {
        List<String> candidates = List.of("", "0", "1", "16", "17", "99", "100", "65535", "65536", "-1", "01", "1.5",
                "999999999999999999", "1000000000000000000", "tcp://10.78.0.2", "h2.lab.virtgate.test",
                "a".repeat(512), "a".repeat(513), "nul\0inside");
        for (MigrationParameter p : MigrationParameter.values()) {
            for (String value : candidates) {
                boolean enumAccepts = accepts(p, value);
                MigrationRequested command = command(Map.of(p.libvirtName(), value));
                if (enumAccepts) {
                    CODEC.encode(command);
                } else {
                    InvalidEventException e = assertThrows(InvalidEventException.class, () -> CODEC.encode(command),
                            p.libvirtName() + " = " + value.replace("\0", "\\0"));
                    assertEquals(1, e.fields().size(), e.fields().toString());
                    assertTrue(e.fields().get(0).startsWith("$.parameters") && e.fields().get(0).contains(p.libvirtName()),
                            e.fields().toString());
                }
            }
        }
    }

    @Test
    void anUnknownNameBreaksTheSchemaNamingTheField() {
        for (String name : List.of("tls_destination", "TLS.DESTINATION", "compression", "migrate_disks")) {
            InvalidEventException e = assertThrows(InvalidEventException.class,
                    () -> CODEC.encode(command(Map.of(name, "x"))), name);
            assertTrue(e.fields().stream().allMatch(f -> f.startsWith("$.parameters")), e.fields().toString());
        }
        InvalidEventException e = assertThrows(InvalidEventException.class, () -> CODEC.encode(command(Map.of("", "x"))));
        assertEquals(List.of("$"), e.fields());
    }

    private static boolean accepts(MigrationParameter p, String value) {
        try {
            p.validate(value);
            return true;
        } catch (InvalidMigrationParameterException e) {
            return false;
        }
    }

    private static MigrationRequested command(Map<String, String> parameters) {
        MigrationRequested sample = (MigrationRequested) SampleEvents.all().stream()
                .filter(MigrationRequested.class::isInstance).findFirst().orElseThrow();
        return new MigrationRequested(sample.migrationId(), sample.vmName(), sample.clusterId(), sample.sourceHostId(),
                sample.destinationHostId(), sample.destinationUri(), sample.flags(), parameters, sample.mode(),
                sample.reasons(), sample.requestedBy(), sample.requestedAt(), sample.notAfter(), sample.signingKey(),
                sample.signature());
    }

    private static JsonNode parametersSchema() throws Exception {
        try (InputStream in = EventCodec.class.getResourceAsStream(EventType.MIGRATION_REQUESTED.schemaResource())) {
            return new ObjectMapper().readTree(in).at("/properties/parameters");
        }
    }
}
