package dev.virtgate.testsupport;

import org.awaitility.Awaitility;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A virtgate service started from its packaged jar ({@code services/<name>/target/quarkus-app}),
 * configured through environment variables exactly as the launcher does, for tests across processes.
 */
public final class ServiceProcess {
    private final String name;
    private final int port;
    private final Map<String, String> env;
    private final Path dir;
    private ManagedProcess process;

    private ServiceProcess(String name, int port, Map<String, String> env) {
        this.name = name;
        this.port = port;
        this.env = env;
        this.dir = Workspace.scratch(name);
    }

    /**
     * Environment for a service wired to the test servers: Kafka, OpenBao (the service's own AppRole
     * login is added by {@link #start}: no service process gets the root token) and, when
     * {@code database} is not null, its own PostgreSQL database, reached with the login role of the
     * service the database's name says it belongs to ({@code virtgate_pki*}: pki-service, ...).
     */
    public static Map<String, String> standardEnv(String database) {
        Map<String, String> env = new HashMap<>();
        env.put("KAFKA_BOOTSTRAP_SERVERS", KafkaResource.bootstrapServers());
        OpenBaoServer bao = OpenBaoServer.shared();
        env.put("QUARKUS_VAULT_URL", bao.address());
        if (database != null) {
            PostgresServer pg = PostgresServer.shared();
            PostgresServer.Login login = pg.ensureDatabase(database); // the role of the service it belongs to
            env.put("QUARKUS_DATASOURCE_JDBC_URL", pg.jdbcUrl(database));
            env.put("QUARKUS_DATASOURCE_USERNAME", login.user());
            env.put("QUARKUS_DATASOURCE_PASSWORD", login.password());
        }
        env.put("MP_JWT_VERIFY_PUBLICKEY_LOCATION", testJwtPublicKey().toString());
        env.put("MP_JWT_VERIFY_ISSUER", TestTokens.ISSUER);
        return env;
    }

    public static ServiceProcess start(String name, Map<String, String> extraEnv) {
        Path jar = Workspace.repositoryRoot().resolve("services").resolve(name)
                .resolve("target/quarkus-app/quarkus-run.jar");
        if (!Files.isRegularFile(jar)) {
            throw new IllegalStateException(name + " is not packaged (" + jar + "): run mvn package first");
        }
        int port = Net.freePort();
        Map<String, String> env = new HashMap<>(extraEnv);
        if (env.containsKey("QUARKUS_VAULT_URL") && ServicePolicies.SERVICES.contains(name)
                && !env.containsKey("QUARKUS_VAULT_AUTHENTICATION_CLIENT_TOKEN")) {
            // its own OpenBao login (AppRole virtgate-<name>), as the launcher passes it
            OpenBaoServer.shared().serviceLogin(name).environment().forEach(env::putIfAbsent);
        }
        env.put("QUARKUS_HTTP_PORT", String.valueOf(port));
        env.put("QUARKUS_HTTP_HOST", Net.LOOPBACK);
        env.putIfAbsent("QUARKUS_PROFILE", "prod");
        if (dev.virtgate.contracts.BusAccess.principals().contains(name)) {
            env.putIfAbsent("VIRTGATE_BUS_PASSWORD", KafkaServer.shared().startingPassword(name)); // its own principal (an agent: enrollment)
        }
        ServiceProcess service = new ServiceProcess(name, port, env);
        service.start(jar);
        return service;
    }

    private void start(Path jar) {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        process = ManagedProcess.start(name, List.of(java, "-Xmx256m", "-XX:+UseSerialGC", "-jar", jar.toString()),
                dir, dir.resolve(name + ".log"), env);
        HttpClient http = HttpClient.newHttpClient();
        Awaitility.await(name + " ready on port " + port + " (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(300))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException(name + " exited; see " + process.log());
                    }
                    try {
                        return http.send(HttpRequest.newBuilder(URI.create(url("/q/health/ready"))).build(),
                                HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
                    } catch (java.io.IOException e) {
                        return false;
                    }
                });
    }

    public String url(String path) {
        return "http://" + Net.LOOPBACK + ":" + port + path;
    }

    public int port() {
        return port;
    }

    public Path log() {
        return process.log();
    }

    public long pid() {
        return process.pid();
    }

    /** Ends the service with SIGKILL (a crash): nothing is flushed or committed on the way out. */
    public void kill() {
        process.kill();
    }

    public void stop() {
        process.stop();
    }

    /** The test-only JWT public key, copied out of the class path for processes to read. */
    public static synchronized Path testJwtPublicKey() {
        Path target = Path.of("target", "virtgate-test-jwt-publicKey.pem").toAbsolutePath();
        if (!Files.exists(target)) {
            try (var in = ServiceProcess.class.getResourceAsStream("/virtgate-test-jwt/publicKey.pem")) {
                Files.createDirectories(target.getParent());
                Files.write(target, in.readAllBytes());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
        return target;
    }
}
