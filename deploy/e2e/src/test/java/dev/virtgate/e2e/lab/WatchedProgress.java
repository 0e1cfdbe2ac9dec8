package dev.virtgate.e2e.lab;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What an operator polling {@code GET /v1/migrations/{id}} saw of one migration: the distinct progress
 * snapshots while it ran (the agent's reports, told apart by elapsedMs), and the final view. Checks that they are the live job statistics of a
 * migration that moves real memory, reported about once a second by the source agent.
 */
record WatchedProgress(String id, List<JsonNode> running, JsonNode last) {
    static final long MIB = 1024L * 1024;

    /** {@code views}: each distinct view (by progress.updatedAt) in the order the polls saw them. */
    static WatchedProgress of(String id, List<JsonNode> views) {
        assertFalse(views.isEmpty(), "no progress at all for " + id);
        List<JsonNode> running = new ArrayList<>();
        for (JsonNode v : views) {
            // a snapshot is the agent's report; the same report seen twice (same elapsedMs) counts once
            if ("RUNNING".equals(v.path("state").asText()) && v.path("progress").hasNonNull("elapsedMs")
                    && (running.isEmpty() || elapsed(running.get(running.size() - 1)) != elapsed(v))) {
                running.add(v);
            }
        }
        return new WatchedProgress(id, running, views.get(views.size() - 1));
    }

    /**
     * At least two snapshots while RUNNING, bytes strictly increasing, plausible percent, total, remaining and
     * rate (at most {@code 3 x bandwidthMiBps}: QEMU's limit, measured per 100 ms slot); the downtime at the end.
     */
    void assertLiveAndPlausible(long guestMiB, int bandwidthMiBps) {
        List<JsonNode> moving = moving();
        assertTrue(moving.size() >= 2, "fewer than two progress snapshots with data while RUNNING for " + id + ": "
                + running);
        for (int i = 0; i < moving.size(); i++) {
            JsonNode p = progress(moving.get(i));
            long processed = p.path("bytesProcessed").asLong();
            long total = p.path("bytesTotal").asLong();
            long remaining = p.path("bytesRemaining").asLong(-1);
            int percent = p.path("percent").asInt(-1);
            long rate = p.path("rateBytesPerSecond").asLong(-1);
            String at = "snapshot " + i + " of " + id + ": " + p;
            if (i > 0) {
                assertTrue(processed > progress(moving.get(i - 1)).path("bytesProcessed").asLong(),
                        "bytesProcessed not strictly increasing: " + bytes());
            }
            assertTrue(total >= guestMiB * MIB, "bytesTotal below the guest's " + guestMiB + " MiB, " + at);
            assertTrue(remaining > 0 && remaining <= total, "bytesRemaining, " + at);
            assertTrue(percent >= 0 && percent <= 99, "percent while running, " + at);
            assertEquals(Math.min(99, processed * 100 / total), percent, "percent = processed / total, " + at);
            assertTrue(rate >= 0 && rate <= 3L * bandwidthMiBps * MIB, "rate against the " + bandwidthMiBps
                    + " MiB/s limit, " + at);
        }
        assertTrue(moving.stream().anyMatch(v -> progress(v).path("rateBytesPerSecond").asLong() > 0),
                "no transfer rate reported for " + id + ": " + running);
        JsonNode done = progress(last);
        assertEquals("COMPLETED", last.path("state").asText(), "last view of " + id + ": " + last);
        assertEquals(100, done.path("percent").asInt(), "percent once completed: " + done);
        assertTrue(done.path("downtimeMs").asLong(-1) > 0, "downtime once completed: " + done);
        assertTrue(done.path("bytesProcessed").asLong() >= bytes().get(bytes().size() - 1),
                "bytes once completed below the last running snapshot: " + done + " after " + bytes());
    }

    /** The agent reports about once a second: the median gap between its snapshots (its elapsedMs), in ms. */
    long medianGapMs() {
        List<Long> gaps = new ArrayList<>();
        for (int i = 1; i < running.size(); i++) {
            gaps.add(elapsed(running.get(i)) - elapsed(running.get(i - 1)));
        }
        assertFalse(gaps.isEmpty(), "no two snapshots of " + id);
        List<Long> sorted = gaps.stream().sorted().toList();
        return sorted.get((sorted.size() - 1) / 2);
    }

    /** bytesProcessed of the snapshots with data, in order. */
    List<Long> bytes() {
        return moving().stream().map(v -> progress(v).path("bytesProcessed").asLong()).toList();
    }

    /**
     * The snapshots from the first with figures on: until QEMU on the destination is up and the memory starts
     * to flow, libvirt's job reports zeros (seen at the agent's first report on a loaded machine).
     */
    List<JsonNode> moving() {
        int first = 0;
        while (first < running.size() && progress(running.get(first)).path("bytesTotal").asLong() <= 0) {
            first++;
        }
        return running.subList(first, running.size());
    }

    private static long elapsed(JsonNode view) {
        return progress(view).path("elapsedMs").asLong();
    }

    private static JsonNode progress(JsonNode view) {
        return view.path("progress");
    }
}
