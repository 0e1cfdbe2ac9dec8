package dev.virtgate.testsupport;

import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A real PostgreSQL server from Debian's packages, in a scratch data directory on a free loopback
 * port. PostgreSQL refuses to run as root, so as root it runs as the {@code postgres} user through
 * {@code setpriv} (which execs, so the PID we hold is the postmaster's own).
 *
 * <p>As {@code ./virtgate up} does, every service gets its own login role ({@link #roleOf}) with a
 * password generated for this server, and each database belongs to one service's role: the role
 * owns it, no one else may connect to it ({@code CONNECT} revoked from {@code PUBLIC}) or create in
 * its public schema. The superuser answers on the Unix socket only, to this class.
 *
 * <p>The parts: {@link PostgresBinaries} finds and runs PostgreSQL's programs, {@link PostgresInitdb}
 * creates the data directory, {@link PostgresProcess} starts and stops the server, {@link Psql}
 * talks to it as the superuser; this class keeps the roles and databases it handed out.
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
    private final int port;
    private final PostgresBinaries binaries;
    private final PostgresProcess process;
    private final Psql psql;
    private final Map<String, Login> logins = new HashMap<>(); // by role
    private final Map<String, String> owners = new HashMap<>(); // database -> role

    private PostgresServer(Path dir, Path bin) {
        this.dir = dir;
        this.socketDir = Workspace.socketDir("pg");
        this.port = Net.freePort();
        this.binaries = new PostgresBinaries(bin, "root".equals(System.getProperty("user.name")));
        this.process = new PostgresProcess(dir, socketDir, port, binaries);
        this.psql = new Psql(dir, socketDir, port, binaries);
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
        Path bin = PostgresBinaries.locate();
        return StartRetry.once("PostgreSQL", () -> {
            PostgresServer server = new PostgresServer(Workspace.scratch("postgres"), bin);
            try {
                PostgresInitdb.init(server.dir, server.socketDir, server.binaries);
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

    public synchronized void start() {
        process.start();
    }

    public synchronized void stop() {
        process.stop();
    }

    Path socketDir() {
        return socketDir;
    }

    /** The server's own log. */
    Path log() {
        return process.log();
    }

    /** Where psql's output goes. */
    Path psqlLog() {
        return psql.log();
    }

    Path bin() {
        return binaries.bin();
    }

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
        return psql.query(database, sql);
    }

    /** Runs an SQL script as the superuser in {@code database} ({@link Psql#run}). */
    synchronized void admin(String database, String script) {
        psql.run(database, script);
    }
}
