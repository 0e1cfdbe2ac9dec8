package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.ExitCodes;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MigrationViewsTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void onlyACompletedMigrationIsDone() {
        assertEquals(ExitCodes.OK, MigrationViews.exitCode("COMPLETED"));
        assertEquals(ExitCodes.FAILED, MigrationViews.exitCode("FAILED"));
        assertEquals(ExitCodes.FAILED, MigrationViews.exitCode("CANCELLED"));
    }

    @Test
    void theOutcomeLineSaysHowLongHowMuchAndTheDowntime() throws Exception {
        assertEquals("migration m1 COMPLETED in 3s, 1.0 MiB sent at 427.2 KiB/s, downtime 37 ms",
                MigrationViews.outcome(JSON.readTree("""
                        {"id":"m1","state":"COMPLETED","progress":{"percent":100,"bytesProcessed":1050000,
                         "rateBytesPerSecond":437500,"elapsedMs":2600,"downtimeMs":37}}""")));
        assertEquals("migration m2 FAILED: guest paused",
                MigrationViews.outcome(JSON.readTree("{\"id\":\"m2\",\"state\":\"FAILED\",\"failureReason\":\"guest paused\"}")));
    }

    @Test
    void auditEntriesMergeNewestFirstWhateverTheirPrecision() throws Exception {
        List<com.fasterxml.jackson.databind.JsonNode> items = new ArrayList<>(List.of(
                JSON.readTree("{\"at\":\"2026-11-29T10:00:00Z\",\"service\":\"a\"}"),
                JSON.readTree("{\"at\":\"2026-11-29T10:00:00.500Z\",\"service\":\"b\"}"),
                JSON.readTree("{\"service\":\"c\"}"),
                JSON.readTree("{\"at\":\"2026-11-29T09:59:59.999999Z\",\"service\":\"d\"}")));
        items.sort(AuditCommand.NEWEST_FIRST);
        assertEquals(List.of("b", "a", "d", "c"), items.stream().map(i -> i.get("service").asText()).toList());
    }
}
