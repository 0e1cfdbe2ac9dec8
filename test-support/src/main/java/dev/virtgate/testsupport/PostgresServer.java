package dev.virtgate.testsupport;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipalLookupService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from Debian's packages, in a scratch data directory on a free loopback
 * port. PostgreSQL refuses to run as root, so as root it runs as the {@code postgres} user through
 * {@code setpriv} (which execs, so the PID we hold is the postmaster's own).
 */
public final class PostgresServer {
    public static final String USER = "virtgate";
    public static final String PASSWORD = "virtgate";
    private static PostgresServer shared;

    private final Path dir;
    private final Path socketDir;
    private final Path bin;
    private final int port;
    private final boolean asRoot;
    private final Set<String> databases = new HashSet<>();
    private ManagedProcess process;

    private PostgresServer(Path dir, Path bin) {
        this.dir = dir;
        this.socketDir = Workspace.socketDir("pg");
        this.bin = bin;
        this.port = Net.freePort();
        this.asRoot = "root".equals(System.getProperty("user.name"));
        // the socket directory lives outside target/, so it goes when the JVM does
        Runtime.getRuntime().addShutdownHook(new Thread(this::stop, "stop-postgres-" + port));
    }

    public static synchronized PostgresServer shared() {
        if (shared == null) {
            Path bin = locateBin();
            shared = StartRetry.once("PostgreSQL", () -> {
                PostgresServer server = new PostgresServer(Workspace.scratch("postgres"), bin);
                try {
                    server.init();
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

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + Net.LOOPBACK + ":" + port + "/" + database;
    }

    /** Creates the database (owned by {@link #USER}) unless this server already has it. */
    public synchronized void ensureDatabase(String database) {
        if (!database.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database name must match [a-z][a-z0-9_]*: " + database);
        }
        if (databases.add(database)) {
            psql("CREATE DATABASE " + database + " OWNER " + USER);
        }
    }

    private void init() {
        try {
            if (asRoot) {
                UserPrincipalLookupService users = dir.getFileSystem().getUserPrincipalLookupService();
                Files.setOwner(dir, users.lookupPrincipalByName("postgres"));
                Files.setOwner(socketDir, users.lookupPrincipalByName("postgres"));
            }
            Files.writeString(dir.resolve("pwfile"), "postgres\n");
            if (asRoot) {
                Files.setOwner(dir.resolve("pwfile"),
                        dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres"));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        ManagedProcess.run("initdb", command(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                "--pwfile=" + dir.resolve("pwfile"), "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"), dir,
                dir.resolve("initdb.log"), Duration.ofSeconds(120));
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        process = ManagedProcess.start("postgres", command(bin.resolve("postgres").toString(),
                "-D", dir.resolve("data").toString(), "-p", String.valueOf(port), "-k", socketDir.toString(),
                "-c", "listen_addresses=" + Net.LOOPBACK, "-c", "fsync=off", "-c", "synchronous_commit=off",
                "-c", "full_page_writes=off", "-c", "max_connections=200"), dir, dir.resolve("postgres.log"), Map.of());
        Awaitility.await("PostgreSQL on port " + port + " (log: " + process.log() + ")")
                .atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    if (!process.isAlive()) {
                        throw new IllegalStateException("PostgreSQL exited; see " + process.log());
                    }
                    return Net.accepts(Net.LOOPBACK, port) && Files.exists(socketDir.resolve(".s.PGSQL." + port));
                });
        if (databases.isEmpty()) {
            psql("CREATE ROLE " + USER + " LOGIN PASSWORD '" + PASSWORD + "'");
        }
    }

    public synchronized void stop() {
        if (process != null) {
            process.stop();
        }
        Workspace.deleteTree(socketDir);
    }

    private void psql(String sql) {
        ManagedProcess.run("psql", command(bin.resolve("psql").toString(), "-h", socketDir.toString(), "-p",
                String.valueOf(port), "-U", "postgres", "-d", "postgres", "-v", "ON_ERROR_STOP=1", "-c", sql), dir,
                dir.resolve("psql.log"), Duration.ofSeconds(60));
    }

    private List<String> command(String... args) {
        List<String> command = new ArrayList<>();
        if (asRoot) {
            command.addAll(List.of("setpriv", "--reuid=postgres", "--regid=postgres", "--init-groups", "--"));
        }
        command.addAll(List.of(args));
        return command;
    }

    static Path locateBin() {
        Path base = Path.of("/usr/lib/postgresql");
        if (Files.isDirectory(base)) {
            try (Stream<Path> versions = Files.list(base)) {
                return versions.map(v -> v.resolve("bin")).filter(b -> Files.isExecutable(b.resolve("initdb")))
                        .max(Comparator.comparing(p -> Integer.parseInt(p.getParent().getFileName().toString()
                                .replaceAll("\\D", "0"))))
                        .orElseThrow(() -> new IllegalStateException(Workspace.missingPrerequisite("PostgreSQL")));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        throw new IllegalStateException(Workspace.missingPrerequisite("PostgreSQL (/usr/lib/postgresql/*/bin)"));
    }
}
