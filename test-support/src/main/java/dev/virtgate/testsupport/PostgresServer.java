package dev.virtgate.testsupport;

import org.awaitility.Awaitility;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserPrincipal;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * A real PostgreSQL server from Debian's packages, in a scratch data directory on a free loopback
 * port. PostgreSQL refuses to run as root, so as root it runs as the {@code postgres} user through
 * {@code setpriv} (which execs, so the PID we hold is the postmaster's own).
 *
 * <p>As {@code ./virtgate up} does, every service gets its own login role ({@link #roleOf}) with a
 * password generated for this server, and each database belongs to one service's role: the role
 * owns it, no one else may connect to it ({@code CONNECT} revoked from {@code PUBLIC}) or create in
 * its public schema. The superuser answers on the Unix socket only, to this class.
 */
public final class PostgresServer {
    private static final Pattern SERVICE_DATABASE = Pattern.compile("virtgate_(pki|credential|migration)(_[a-z0-9_]*)?");
    private static final SecureRandom RANDOM = new SecureRandom();
    private static PostgresServer shared;

    /** A role's login. Its {@code toString} leaves the password out. */
    public record Login(String user, String password) {
        @Override
        public String toString() {
            return "Login[user=" + user + "]";
        }
    }

    private final Path dir;
    private final Path socketDir;
    private final Path bin;
    private final int port;
    private final boolean asRoot;
    private final Map<String, Login> logins = new HashMap<>(); // by role
    private final Map<String, String> owners = new HashMap<>(); // database -> role
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

    /** The server every test in this JVM shares. */
    public static synchronized PostgresServer shared() {
        if (shared == null) {
            shared = startNew();
        }
        return shared;
    }

    /** A server of its own, for a test that changes roles or databases the shared one hands out. */
    static PostgresServer startNew() {
        Path bin = locateBin();
        return StartRetry.once("PostgreSQL", () -> {
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

    /**
     * The login role of a service, named as {@code ./virtgate up} names it: {@code pki-service} ->
     * {@code virtgate_pki}, {@code credential-service} -> {@code virtgate_credential},
     * {@code migration-service} -> {@code virtgate_migration} (any other {@code a-b} -> {@code virtgate_a_b}).
     */
    public static String roleOf(String service) {
        if (!service.matches("[a-z][a-z0-9-]{0,40}")) {
            throw new IllegalArgumentException("not a service name: " + service);
        }
        String name = service.endsWith("-service") ? service.substring(0, service.length() - "-service".length()) : service;
        return "virtgate_" + name.replace('-', '_');
    }

    /**
     * The service a database belongs to by virtgate's naming: {@code virtgate_pki} and
     * {@code virtgate_pki_<anything>} are pki-service's, and so on for credential and migration.
     */
    public static Optional<String> serviceOf(String database) {
        Matcher m = SERVICE_DATABASE.matcher(database);
        return m.matches() ? Optional.of(m.group(1) + "-service") : Optional.empty();
    }

    public int port() {
        return port;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + Net.LOOPBACK + ":" + port + "/" + database;
    }

    /** The database, owned by the role of the service its name says it belongs to ({@link #serviceOf}). */
    public Login ensureDatabase(String database) {
        return ensureDatabase(database, serviceOf(database).orElseThrow(() -> new IllegalArgumentException(
                "whose database is " + database + "? name it virtgate_<pki|credential|migration>[_...] or name the service")));
    }

    /**
     * Creates the database unless this server already has it, owned by the service's role, which
     * is the only role (besides the superuser) that may connect to it. Answers that role's login.
     */
    public synchronized Login ensureDatabase(String database, String service) {
        if (!database.matches("[a-z][a-z0-9_]{0,62}")) {
            throw new IllegalArgumentException("database name must match [a-z][a-z0-9_]*: " + database);
        }
        Login login = login(service);
        String owner = owners.get(database);
        if (owner == null) {
            admin("postgres", "CREATE DATABASE " + database + " OWNER " + login.user() + ";\n"
                    + "REVOKE ALL ON DATABASE " + database + " FROM PUBLIC;\n");
            admin(database, "REVOKE CREATE ON SCHEMA public FROM PUBLIC;\n");
            owners.put(database, login.user());
        } else if (!owner.equals(login.user())) {
            throw new IllegalStateException("database " + database + " belongs to " + owner + ", not to " + service);
        }
        return login;
    }

    /** The service's login role (created with a fresh random password on first use); it owns nothing yet. */
    public synchronized Login login(String service) {
        String role = roleOf(service);
        Login login = logins.get(role);
        if (login == null) {
            byte[] secret = new byte[24];
            RANDOM.nextBytes(secret);
            login = new Login(role, HexFormat.of().formatHex(secret));
            // through psql's stdin, and never into the server log, even on an error
            admin("postgres", "SET log_statement = 'none';\nSET log_min_error_statement = 'panic';\n"
                    + "CREATE ROLE " + role + " LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"
                    + " PASSWORD '" + login.password() + "';\n");
            logins.put(role, login);
        }
        return login;
    }

    private void init() {
        Path pwfile = dir.resolve("pwfile");
        try {
            if (asRoot) {
                UserPrincipal postgres = postgresUser();
                Files.setOwner(dir, postgres);
                Files.setOwner(socketDir, postgres);
            }
            // the superuser's password, which initdb wants for password authentication over TCP; no one
            // uses it (pg_hba below lets the superuser in on the socket only) and the file goes after initdb
            byte[] secret = new byte[24];
            RANDOM.nextBytes(secret);
            Files.writeString(pwfile, HexFormat.of().formatHex(secret) + "\n");
            if (asRoot) {
                Files.setOwner(pwfile, postgresUser());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        try {
            ManagedProcess.run("initdb", command(bin.resolve("initdb").toString(), "-D", dir.resolve("data").toString(),
                    "-U", "postgres", "--auth-local=trust", "--auth-host=scram-sha-256",
                    "--pwfile=" + pwfile, "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"), dir,
                    dir.resolve("initdb.log"), Duration.ofSeconds(120));
            // the superuser on the socket (only this class reaches it), every role with a password over TCP
            Files.writeString(dir.resolve("data/pg_hba.conf"), """
                    # Written by PostgresServer (test-support)
                    local   all   postgres                 trust
                    host    all   all        127.0.0.1/32  scram-sha-256
                    """);
            if (asRoot) {
                Files.setOwner(dir.resolve("data/pg_hba.conf"), postgresUser());
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            try {
                Files.deleteIfExists(pwfile);
            } catch (IOException e) {
                // a test-only password in a scratch directory
            }
        }
    }

    private UserPrincipal postgresUser() throws IOException {
        return dir.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByName("postgres");
    }

    public synchronized void start() {
        if (process != null && process.isAlive()) {
            return;
        }
        recreateSocketDir(); // stop() removed it: a restart needs it back, owned by postgres
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
    }

    public synchronized void stop() {
        if (process != null) {
            process.stop();
        }
        Workspace.deleteTree(socketDir);
    }

    Path socketDir() {
        return socketDir;
    }

    private void recreateSocketDir() {
        try {
            if (!Files.isDirectory(socketDir)) {
                Files.createDirectories(socketDir);
                Files.setPosixFilePermissions(socketDir, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
                if (asRoot) {
                    Files.setOwner(socketDir, postgresUser());
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The server's own log. */
    Path log() {
        return dir.resolve("postgres.log");
    }

    /** Where psql's output goes. */
    Path psqlLog() {
        return dir.resolve("psql.log");
    }

    Path bin() {
        return bin;
    }

    /**
     * Runs an SQL script as the superuser in {@code database}, through psql's standard input (so a
     * password in it shows on no command line); psql's output goes to {@code psql.log}, which never
     * holds the script.
     */
    /** Runs {@code script} in {@code database} as the database's owner role, as its service would. */
    public synchronized void runAsOwner(String database, String script) {
        String owner = owners.get(database);
        if (owner == null) {
            throw new IllegalArgumentException("no database " + database + " on this server (ensureDatabase first)");
        }
        admin(database, "SET ROLE " + owner + ";\n" + script);
    }

    /** One query's rows, tab-separated, one line each (psql -At). */
    public synchronized String query(String database, String sql) {
        ProcessBuilder builder = new ProcessBuilder(command(bin.resolve("psql").toString(), "-X", "-q", "-At", "-h",
                socketDir.toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", database, "-v",
                "ON_ERROR_STOP=1", "-c", sql)).directory(dir.toFile()).redirectErrorStream(true);
        try {
            Process psql = builder.start();
            String out = new String(psql.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!psql.waitFor(60, TimeUnit.SECONDS) || psql.exitValue() != 0) {
                throw new IllegalStateException("psql failed in " + database + ": " + out);
            }
            return out.strip();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("psql interrupted", e);
        }
    }

    synchronized void admin(String database, String script) {
        Path log = psqlLog();
        ProcessBuilder builder = new ProcessBuilder(command(bin.resolve("psql").toString(), "-X", "-q", "-h",
                socketDir.toString(), "-p", String.valueOf(port), "-U", "postgres", "-d", database, "-v",
                "ON_ERROR_STOP=1", "-f", "-")).directory(dir.toFile()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        try {
            Process psql = builder.start();
            try (OutputStream in = psql.getOutputStream()) {
                in.write(script.getBytes(StandardCharsets.UTF_8));
            }
            if (!psql.waitFor(60, TimeUnit.SECONDS)) {
                psql.destroyForcibly();
                throw new IllegalStateException("psql timed out after 60 s; see " + log);
            }
            if (psql.exitValue() != 0) {
                throw new IllegalStateException("psql exited " + psql.exitValue() + " in " + database + "; see " + log);
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot run psql: " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("psql interrupted", e);
        }
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
