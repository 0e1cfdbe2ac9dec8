package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.ExitCodes;
import dev.virtgate.cli.config.ConfigFile;
import dev.virtgate.cli.config.Endpoints;
import dev.virtgate.cli.config.Environment;
import dev.virtgate.cli.config.Service;
import dev.virtgate.cli.http.ApiClient;
import org.junit.jupiter.api.Test;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The drawing of migrate --wait, fed a scripted sequence of GET /v1/migrations/{id} answers. */
class MigrationWatchTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private final StringWriter out = new StringWriter();

    @Test
    void onATerminalOneLineIsRedrawnInPlaceThenTheOutcome() throws Exception {
        int code = watch(true, "REQUESTED", "RUNNING:50", "RUNNING:50", "COMPLETED:100").follow("m1");
        assertEquals(ExitCodes.OK, code);
        String[] frames = out.toString().split("\r", -1);
        assertEquals(5, frames.length, out.toString()); // "" then one frame per answer
        assertTrue(frames[1].startsWith("[------------------------------]  REQUESTED"), frames[1]);
        assertTrue(frames[2].startsWith("[###############---------------]   50%"), frames[2]);
        assertTrue(frames[4].startsWith("[##############################]  100%"), frames[4]);
        assertTrue(frames[4].endsWith("COMPLETED\nmigration m1 COMPLETED in 2s\n"), frames[4]);
    }

    @Test
    void pipedALineOnlyWhenTheFiguresChange() throws Exception {
        int code = watch(false, "RUNNING:50", "RUNNING:50", "FAILED").follow("m1");
        assertEquals(ExitCodes.FAILED, code);
        List<String> lines = out.toString().lines().toList();
        assertEquals(3, lines.size(), out.toString());
        assertTrue(lines.get(0).startsWith(" 50%"), lines.get(0));
        assertTrue(lines.get(1).startsWith("FAILED"), lines.get(1));
        assertEquals("migration m1 FAILED: boom", lines.get(2));
    }

    @Test
    void aTimeoutStopsWaitingWithExit1() {
        MigrationWatch watch = new MigrationWatch(scripted("RUNNING:10", "RUNNING:10", "RUNNING:10"),
                new PrintWriter(out, true), false, true, Duration.ofMillis(20), Duration.ofMillis(1), null);
        CliException e = assertThrows(CliException.class, () -> watch.follow("m1"));
        assertTrue(e.getMessage().startsWith("stopped waiting after 0 s; migration m1 is still RUNNING"), e.getMessage());
    }

    private MigrationWatch watch(boolean terminal, String... answers) {
        return new MigrationWatch(scripted(answers), new PrintWriter(out, true), terminal, true, Duration.ZERO, null,
                null);
    }

    /** STATE or STATE:PERCENT answers, in order; the last one repeats. */
    private static ApiClient scripted(String... answers) {
        Deque<String> left = new ArrayDeque<>(List.of(answers));
        Environment env = new Environment(Map.of(), Path.of("/nonexistent"));
        return new ApiClient(Endpoints.resolve(new EnumMap<>(Service.class), env, ConfigFile.load(env)), null, null,
                JSON) {
            @Override
            public JsonNode get(Service service, String path) {
                String answer = left.size() > 1 ? left.pop() : left.peek();
                String[] parts = answer.split(":");
                String progress = parts.length < 2 ? "" : ",\"progress\":{\"percent\":" + parts[1]
                        + ",\"bytesRemaining\":0,\"elapsedMs\":2000}";
                String failure = "FAILED".equals(parts[0]) ? ",\"failureReason\":\"boom\"" : "";
                try {
                    return JSON.readTree("{\"id\":\"m1\",\"state\":\"" + parts[0] + "\"" + progress + failure + "}");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }
        };
    }
}
