package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.VirtgateCli;
import dev.virtgate.cli.config.Environment;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Base64;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run of the CLI in-process (picocli's execute, as main does): its exit code and what it printed. */
record CliRun(int code, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs {@code args} with {@code env} as the environment and {@code home} as the user's home. */
    static CliRun of(Path home, Map<String, String> env, StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        int code = VirtgateCli.run(new Environment(env, home), false, new PrintWriter(out, true),
                new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    JsonNode json() throws Exception {
        return JSON.readTree(out);
    }

    void assertOneLineError(String prefix) {
        assertTrue(err.startsWith(prefix), toString());
        assertEquals(1, err.split("\n").length, toString());
        assertEquals("", out);
    }

    void assertNoStackTrace() {
        assertFalse(err.contains("Exception") || err.contains("\tat "), toString());
    }

    /** A JWT-shaped token whose exp has passed; the CLI refuses it before sending anything. */
    static String expiredJwt(Instant exp) {
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        return b64.encodeToString("{\"alg\":\"RS256\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "."
                + b64.encodeToString(("{\"sub\":\"alice\",\"groups\":[\"operator\"],\"exp\":" + exp.getEpochSecond()
                        + "}").getBytes(StandardCharsets.UTF_8)) + ".c2lnbmF0dXJl";
    }

    @Override
    public String toString() {
        return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
