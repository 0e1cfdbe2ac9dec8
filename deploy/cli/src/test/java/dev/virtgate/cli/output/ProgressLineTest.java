package dev.virtgate.cli.output;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

class ProgressLineTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void showsPercentRateAndWhatRemainsInBytesAndTime() throws Exception {
        JsonNode m = JSON.readTree("""
                {"state":"RUNNING","progress":{"percent":40,"bytesProcessed":400,"bytesTotal":1000,
                 "bytesRemaining":125829120,"rateBytesPerSecond":62914560,"elapsedMs":3000}}""");
        assertEquals(" 40%  60.0 MiB/s  120.0 MiB remaining (~2s)  elapsed 3s  RUNNING", ProgressLine.of(m, false));
        assertEquals("[############------------------]   40%  60.0 MiB/s  120.0 MiB remaining (~2s)  elapsed 3s  "
                + "RUNNING", ProgressLine.of(m, true));
    }

    @Test
    void beforeTheFirstReportOnlyTheState() throws Exception {
        assertEquals("REQUESTED  waiting for the source agent's first report",
                ProgressLine.of(JSON.readTree("{\"state\":\"REQUESTED\"}"), false));
    }

    @Test
    void figuresReadForHumans() {
        assertEquals("512 B", Formats.bytes(512));
        assertEquals("1.5 GiB", Formats.bytes(1536L * 1024 * 1024));
        assertEquals("1m05s", Formats.duration(65_000));
        assertEquals("2h00m", Formats.duration(7_200_000));
    }
}
