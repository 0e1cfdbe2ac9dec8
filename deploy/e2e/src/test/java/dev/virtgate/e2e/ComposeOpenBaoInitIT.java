package dev.virtgate.e2e;

import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.Workspace;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The compose stack's OpenBao, outside a container: a real server with the compose file's
 * {@code server.hcl} (raft storage; paths and addresses moved to a scratch directory and loopback),
 * bootstrapped by the compose file's {@code openbao/init.sh} exactly as the one-shot openbao-init
 * runs it. First run: initialised, unsealed, each service logs in with its own AppRole. After a
 * restart the server is sealed; the second run unseals it and keeps every login.
 */
class ComposeOpenBaoInitIT {
    private static final List<String> SERVICES = List.of("pki-service", "credential-service", "migration-service");
    private final HttpClient http = HttpClient.newHttpClient();
    private Process server;
    private Path dir;
    private String address;

    @Test
    void initialisesUnsealsAndGivesEachServiceItsLoginThenUnsealsAgainAfterARestart() throws Exception {
        dir = Workspace.scratch("compose-openbao");
        int port = Net.freePort();
        address = "http://" + Net.LOOPBACK + ":" + port;
        Path config = serverConfig(port, Net.freePort());
        startServer(config);

        String first = runInit();
        assertTrue(first.contains("initialised") && first.contains("unsealed"), first);
        Path init = dir.resolve("keys/init.json");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(init)));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(init.getParent())));
        assertNoSecretIn(first, init);
        Map<String, String> logins = new java.util.HashMap<>();
        for (String service : SERVICES) {
            Path login = dir.resolve("logins/" + service + "/" + service + ".env");
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(login)), service);
            logins.put(service, Files.readString(login));
            assertEquals(200, appRoleLogin(login), service + " logs in with its own AppRole");
        }

        stopServer();
        startServer(config);
        assertTrue(sealed(), "a restarted server is sealed");
        String second = runInit();
        assertFalse(second.contains("initialised"), second);
        assertTrue(second.contains("unsealed"), second);
        assertNoSecretIn(second, init);
        for (String service : SERVICES) {
            Path login = dir.resolve("logins/" + service + "/" + service + ".env");
            assertEquals(logins.get(service), Files.readString(login), service + "'s login is kept");
            assertEquals(200, appRoleLogin(login), service + " still logs in");
        }
    }

    @AfterEach
    void stop() {
        stopServer();
    }

    private Path serverConfig(int port, int clusterPort) throws IOException {
        Path root = Workspace.repositoryRoot();
        String hcl = Files.readString(root.resolve("deploy/compose/openbao/server.hcl"))
                .replace("/openbao/data", dir.resolve("data").toString())
                .replace("0.0.0.0:8200", Net.LOOPBACK + ":" + port)
                .replace("0.0.0.0:8201", Net.LOOPBACK + ":" + clusterPort)
                .replace("http://openbao:8200", address)
                .replace("https://openbao:8201", "https://" + Net.LOOPBACK + ":" + clusterPort);
        Files.createDirectories(dir.resolve("data"));
        Path config = dir.resolve("server.hcl");
        Files.writeString(config, hcl);
        return config;
    }

    private void startServer(Path config) throws IOException {
        server = new ProcessBuilder(OpenBaoServer.locateBao(), "server", "-config=" + config)
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("server.log").toFile()))
                .start();
        Awaitility.await("OpenBao answering on " + address).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(200)).ignoreExceptions()
                .until(() -> http.send(HttpRequest.newBuilder(URI.create(address + "/v1/sys/seal-status")).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
    }

    /** The bao CLI may be a launcher with the server as its child: both end, by PID. */
    private void stopServer() {
        if (server == null) {
            return;
        }
        List<ProcessHandle> tree = server.descendants().toList();
        server.destroy();
        tree.forEach(ProcessHandle::destroy);
        try {
            server.waitFor(20, TimeUnit.SECONDS);
            for (ProcessHandle child : tree) {
                child.onExit().get(20, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            tree.forEach(ProcessHandle::destroyForcibly);
            server.destroyForcibly();
        }
        server = null;
    }

    private String runInit() throws IOException, InterruptedException {
        Path root = Workspace.repositoryRoot();
        ProcessBuilder pb = new ProcessBuilder("sh", root.resolve("deploy/compose/openbao/init.sh").toString())
                .redirectErrorStream(true);
        Map<String, String> env = pb.environment();
        env.put("BAO_ADDR", address);
        env.put("VIRTGATE_OPENBAO_KEYS_DIR", dir.resolve("keys").toString());
        env.put("VIRTGATE_OPENBAO_LOGIN_DIR", dir.resolve("logins").toString());
        env.put("VIRTGATE_OPENBAO_LOGIN_OWNER", uidGid());
        env.put("VIRTGATE_OPENBAO_BOOTSTRAP", root.resolve("deploy/openbao/bootstrap-services.sh").toString());
        env.put("PATH", Path.of(OpenBaoServer.locateBao()).getParent() + ":" + env.getOrDefault("PATH", "/usr/bin:/bin"));
        Process init = pb.start();
        String output = new String(init.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(init.waitFor(3, TimeUnit.MINUTES), "init.sh did not finish");
        assertEquals(0, init.exitValue(), "init.sh failed:\n" + output);
        return output;
    }

    private static String uidGid() throws IOException {
        int uid = (Integer) Files.getAttribute(Path.of(System.getProperty("user.home")), "unix:uid");
        int gid = (Integer) Files.getAttribute(Path.of(System.getProperty("user.home")), "unix:gid");
        return uid + ":" + gid;
    }

    private boolean sealed() throws Exception {
        String body = http.send(HttpRequest.newBuilder(URI.create(address + "/v1/sys/seal-status")).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        return body.replace(" ", "").contains("\"sealed\":true");
    }

    private int appRoleLogin(Path loginFile) throws Exception {
        String env = Files.readString(loginFile);
        String body = "{\"role_id\":\"" + value(env, "QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_ROLE_ID")
                + "\",\"secret_id\":\"" + value(env, "QUARKUS_VAULT_AUTHENTICATION_APP_ROLE_SECRET_ID") + "\"}";
        return http.send(HttpRequest.newBuilder(URI.create(address + "/v1/auth/approle/login"))
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
    }

    private static String value(String env, String key) {
        Matcher m = Pattern.compile("(?m)^" + key + "=(.*)$").matcher(env);
        assertTrue(m.find(), key);
        return m.group(1).trim();
    }

    /** Neither the unseal key nor the root token reaches the output (the compose logs). */
    private static void assertNoSecretIn(String output, Path init) throws IOException {
        String json = Files.readString(init);
        for (String field : List.of("\"root_token\"\\s*:\\s*\"([^\"]+)\"", "\"unseal_keys_b64\"\\s*:\\s*\\[\\s*\"([^\"]+)\"")) {
            Matcher m = Pattern.compile(field).matcher(json);
            assertTrue(m.find(), field);
            assertFalse(output.contains(m.group(1)), "a secret in init.sh's output");
        }
    }
}
