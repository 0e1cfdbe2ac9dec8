package dev.virtgate.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The checks EndToEndIT applies to what it polled, on made-up views (the lab run shows real ones). */
class WatchedProgressTest {
    static final ObjectMapper JSON = new ObjectMapper();
    static final long MIB = WatchedProgress.MIB;
    static final long TOTAL = 520 * MIB;

    static JsonNode running(long elapsedMs, long processed, long total) {
        long remaining = total == 0 ? 0 : total - processed;
        int percent = total == 0 ? 0 : (int) Math.min(99, processed * 100 / total);
        return JSON.createObjectNode().put("state", "RUNNING").set("progress", JSON.createObjectNode()
                .put("percent", percent).put("bytesProcessed", processed).put("bytesTotal", total)
                .put("bytesRemaining", remaining).put("rateBytesPerSecond", total == 0 ? 0 : 64 * MIB)
                .put("elapsedMs", elapsedMs).put("updatedAt", "t" + elapsedMs));
    }

    static JsonNode completed() {
        return JSON.createObjectNode().put("state", "COMPLETED").set("progress", JSON.createObjectNode()
                .put("percent", 100).put("bytesProcessed", TOTAL).put("bytesTotal", TOTAL).put("elapsedMs", 9000)
                .put("downtimeMs", 120).put("updatedAt", "done"));
    }

    static List<JsonNode> views(long gapMs, long bytesPerReport) {
        List<JsonNode> views = new ArrayList<>();
        views.add(running(1000, 0, 0)); // the job has not started yet: zeros
        for (int i = 1; i <= 5; i++) {
            views.add(running(1000 + i * gapMs, i * bytesPerReport, TOTAL));
        }
        views.add(completed());
        return views;
    }

    @Test
    void reportsOnceASecondWithGrowingBytesPassAfterTheLeadingZeros() {
        WatchedProgress w = WatchedProgress.of("m", views(1000, 64 * MIB));
        w.assertLiveAndPlausible(512, 64);
        assertEquals(1000, w.medianGapMs());
        assertEquals(List.of(64 * MIB, 128 * MIB, 192 * MIB, 256 * MIB, 320 * MIB), w.bytes());
    }

    @Test
    void bytesThatStallFail() {
        List<JsonNode> views = views(1000, 64 * MIB);
        views.add(3, running(3100, 128 * MIB, TOTAL));
        assertThrows(AssertionError.class, () -> WatchedProgress.of("m", views).assertLiveAndPlausible(512, 64));
    }

    @Test
    void reportsThreeSecondsApartShowInTheMedianGap() {
        assertEquals(3000, WatchedProgress.of("m", views(3000, 64 * MIB)).medianGapMs());
    }

    @Test
    void aRateFarAboveTheLimitAndAMissingDowntimeFail() {
        assertThrows(AssertionError.class,
                () -> WatchedProgress.of("m", views(1000, 64 * MIB)).assertLiveAndPlausible(512, 16));
        List<JsonNode> views = views(1000, 64 * MIB);
        ((com.fasterxml.jackson.databind.node.ObjectNode) views.get(views.size() - 1).path("progress"))
                .remove("downtimeMs");
        assertThrows(AssertionError.class, () -> WatchedProgress.of("m", views).assertLiveAndPlausible(512, 64));
    }
}
