package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.VirtgateCli;
import dev.virtgate.cli.config.Environment;
import dev.virtgate.testsupport.Workspace;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** One run of the CLI, in-process or through ./virtgate: its exit code and what it printed. */
record CliRun(int code, String out, String err) {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** Runs {@code args} with {@code env} as the environment and {@code home} as the user's home. */
    static CliRun of(Path home, Map<String, String> env, StringWriter out, String... args) {
        StringWriter err = new StringWriter();
        int code = VirtgateCli.run(new Environment(env, home), false, new PrintWriter(out, true),
                new PrintWriter(err, true), args);
        return new CliRun(code, out.toString(), err.toString());
    }

    /** Runs {@code <repo>/virtgate args} as a process (bash, then java), with no operator's own config file. */
    static CliRun ofLauncher(Path home, Map<String, String> env, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(Workspace.repositoryRoot().resolve("virtgate").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command)
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        builder.environment().putAll(env);
        builder.environment().put("VIRTGATE_HOME", home.resolve("launcher-home").toString());
        builder.environment().put("VIRTGATE_CLI_CONFIG", home.resolve("no-cli.conf").toString());
        Process process = builder.start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> read(process.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()));
        assertTrue(process.waitFor(120, TimeUnit.SECONDS), "./virtgate " + String.join(" ", args) + " ended");
        return new CliRun(process.exitValue(), out.get(), err.get());
    }

    private static String read(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
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
