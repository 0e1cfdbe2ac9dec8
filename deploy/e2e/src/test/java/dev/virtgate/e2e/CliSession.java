package dev.virtgate.e2e;

import dev.virtgate.testsupport.TestTokens;

import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/** Runs the CLI in-process against the services at {@code urls}, with {@code home} as the user's home. */
record CliSession(Path home, Map<String, String> urls) {

    static String operatorToken() {
        return TestTokens.operator("alice");
    }

    /** As operator alice (VIRTGATE_TOKEN). */
    CliRun operator(String... args) {
        return run(env(operatorToken()), args);
    }

    /** As operator alice, printing into {@code out} (read it while the command runs). */
    CliRun operator(StringWriter out, String... args) {
        return run(env(operatorToken()), out, args);
    }

    CliRun run(Map<String, String> env, String... args) {
        return CliRun.of(home, env, new StringWriter(), args);
    }

    CliRun run(Map<String, String> env, StringWriter out, String... args) {
        return CliRun.of(home, env, out, args);
    }

    /** The services' URLs and this token as the environment. */
    Map<String, String> env(String token) {
        Map<String, String> env = new HashMap<>(urls);
        env.put("VIRTGATE_TOKEN", token);
        return env;
    }

    int status(String url) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + operatorToken()).build(), HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }
}
