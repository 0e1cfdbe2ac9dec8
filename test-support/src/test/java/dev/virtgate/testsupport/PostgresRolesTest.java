package dev.virtgate.testsupport;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * One PostgreSQL role per service, each owning only its database, on a real server: as the test
 * resources hand them out, and as {@code ./virtgate up} sets them up (deploy/local/postgres.sh),
 * also on a cluster an earlier version set up with one role for every service.
 */
class PostgresRolesTest {
    /** service -> its database, as ./virtgate up names them */
    private static final Map<String, String> DATABASES = new LinkedHashMap<>();

    static {
        DATABASES.put("pki-service", "virtgate_pki");
        DATABASES.put("credential-service", "virtgate_credential");
        DATABASES.put("migration-service", "virtgate_migration");
    }

    @Test
    void testResourcesHandEachServiceItsOwnRoleThatReachesOnlyItsDatabase() {
        Map<String, PostgresServer.Login> logins = new LinkedHashMap<>();
        Map<String, String> urls = new LinkedHashMap<>();
        DATABASES.forEach((service, database) -> {
            PostgresResource resource = new PostgresResource();
            resource.init(Map.of("database", database));
            Map<String, String> config = resource.start(service);
            logins.put(service, new PostgresServer.Login(config.get("quarkus.datasource.username"),
                    config.get("quarkus.datasource.password")));
            urls.put(database, config.get("quarkus.datasource.jdbc.url"));
        });
        DATABASES.keySet().forEach(service ->
                assertEquals(PostgresServer.roleOf(service), logins.get(service).user(), service + "'s role"));
        assertEquals(3, new HashSet<>(logins.values().stream().map(PostgresServer.Login::password).toList()).size(),
                "every role has its own password");
        assertIsolated(urls::get, logins);

        // a service's further database (a test's own, ServiceProcess.standardEnv) is its role's too
        PostgresServer pg = PostgresServer.shared();
        PostgresServer.Login restart = pg.ensureDatabase("virtgate_credential_restart");
        assertEquals(logins.get("credential-service"), restart);
        assertConnects(pg.jdbcUrl("virtgate_credential_restart"), restart);
        assertRefused(pg.jdbcUrl("virtgate_credential_restart"), logins.get("pki-service"));
        assertThrows(IllegalStateException.class, () -> pg.ensureDatabase("virtgate_pki", "migration-service"),
                "a database belongs to one service");
        assertNoPasswordIn(logins.values(), pg.log(), pg.psqlLog());
    }

    @Test
    void localStackGivesEachServiceItsOwnRoleAlsoOnAClusterOfTheSharedRole() throws Exception {
        PostgresServer pg = PostgresServer.startNew();
        try {
            // what an earlier ./virtgate up left: one role virtgate owning every database and its tables
            pg.admin("postgres", "CREATE ROLE virtgate LOGIN PASSWORD 'virtgate';\n"
                    + "CREATE DATABASE virtgate_pki OWNER virtgate;\n"
                    + "CREATE DATABASE virtgate_credential OWNER virtgate;\n"
                    + "CREATE DATABASE virtgate_migration OWNER virtgate;\n");
            PostgresServer.Login legacy = new PostgresServer.Login("virtgate", "virtgate");
            try (Connection c = DriverManager.getConnection(pg.jdbcUrl("virtgate_pki"), legacy.user(), legacy.password());
                 Statement s = c.createStatement()) {
                s.execute("CREATE TABLE issued_certificate (serial bigint PRIMARY KEY, subject text NOT NULL)");
                s.execute("INSERT INTO issued_certificate VALUES (7, 'CN=h1')");
                s.execute("CREATE SEQUENCE outbox_seq");
            }

            Path home = Workspace.scratch("virtgate-home");
            provision(pg, home);
            Map<String, PostgresServer.Login> logins = passwords(home);
            provision(pg, home); // idempotent: the same roles and passwords, nothing breaks
            assertEquals(logins, passwords(home));

            Path dir = home.resolve("postgres/passwords");
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir)));
            for (PostgresServer.Login login : logins.values()) {
                assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(login.user()))),
                        login.user());
            }
            assertIsolated(db -> pg.jdbcUrl(db), logins);

            // pki-service's role now owns what the shared role made: it reads it and migrates the schema
            try (Connection c = connect(pg.jdbcUrl("virtgate_pki"), logins.get("pki-service"));
                 Statement s = c.createStatement()) {
                try (ResultSet rs = s.executeQuery("SELECT subject FROM issued_certificate WHERE serial = 7")) {
                    assertTrue(rs.next());
                    assertEquals("CN=h1", rs.getString(1));
                }
                s.execute("ALTER TABLE issued_certificate ADD COLUMN revoked boolean");
                s.execute("SELECT nextval('outbox_seq')");
                try (ResultSet rs = s.executeQuery(
                        "SELECT rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls FROM pg_roles"
                                + " WHERE rolname = current_user")) {
                    assertTrue(rs.next());
                    for (int i = 1; i <= 5; i++) {
                        assertFalse(rs.getBoolean(i), "the service's role has no attribute beyond LOGIN (" + i + ")");
                    }
                }
            }
            // the shared role is gone
            SQLException gone = assertThrows(SQLException.class, () -> connect(pg.jdbcUrl("virtgate_pki"), legacy));
            assertEquals("28P01", gone.getSQLState(), gone.getMessage());
            assertNoPasswordIn(logins.values(), pg.log(), pg.psqlLog(), home.resolve("provision.log"));
        } finally {
            pg.stop();
        }
    }

    /** Runs the launcher's pg_provision (deploy/local/postgres.sh) against this server. */
    private static void provision(PostgresServer pg, Path home) {
        Path root = Workspace.repositoryRoot();
        boolean asRoot = "root".equals(System.getProperty("user.name"));
        String script = String.join("\n",
                "set -euo pipefail",
                "REPO_ROOT='" + root + "'",
                "source \"$REPO_ROOT/deploy/local/common.sh\"",
                "source \"$REPO_ROOT/deploy/local/postgres.sh\"",
                "source \"$REPO_ROOT/deploy/local/services.sh\"",
                "PG_BIN='" + pg.bin() + "'",
                "PG_PORT=" + pg.port(),
                "PG_SOCKET_DIR='" + pg.socketDir() + "'",
                // as root the launcher runs psql as the postgres user (runuser); otherwise as this user
                asRoot ? "" : "as_postgres() { (cd / && \"$@\"); }",
                "ensure_state_dirs",
                "pg_provision");
        ManagedProcess.run("pg_provision", List.of("bash", "-c", script), home, home.resolve("provision.log"),
                Duration.ofSeconds(120), Map.of("VIRTGATE_HOME", home.toString()));
    }

    /** The passwords pg_provision generated, one file per role. */
    private static Map<String, PostgresServer.Login> passwords(Path home) throws IOException {
        Map<String, PostgresServer.Login> logins = new LinkedHashMap<>();
        for (Map.Entry<String, String> e : DATABASES.entrySet()) {
            String role = PostgresServer.roleOf(e.getKey());
            assertEquals(e.getValue(), role, "the role has its database's name");
            Path file = home.resolve("postgres/passwords").resolve(role);
            assertTrue(Files.isRegularFile(file), "no password file for " + role);
            String password = Files.readAllLines(file).get(0).strip();
            assertTrue(password.matches("[0-9a-f]{48}"), "a generated password for " + role);
            logins.put(e.getKey(), new PostgresServer.Login(role, password));
        }
        return logins;
    }

    /**
     * Each service's role connects to its own database and creates a table there, and cannot connect
     * to (so cannot read) another service's database.
     */
    private static void assertIsolated(Function<String, String> url, Map<String, PostgresServer.Login> logins) {
        for (Map.Entry<String, PostgresServer.Login> own : logins.entrySet()) {
            PostgresServer.Login login = own.getValue();
            for (Map.Entry<String, String> db : DATABASES.entrySet()) {
                if (db.getKey().equals(own.getKey())) {
                    assertConnects(url.apply(db.getValue()), login);
                } else {
                    assertRefused(url.apply(db.getValue()), login);
                }
            }
        }
    }

    private static void assertConnects(String url, PostgresServer.Login login) {
        try (Connection c = connect(url, login); Statement s = c.createStatement()) {
            s.execute("CREATE TABLE roles_probe (id int PRIMARY KEY)");
            s.execute("INSERT INTO roles_probe VALUES (1)");
            try (ResultSet rs = s.executeQuery("SELECT count(*) FROM roles_probe")) {
                assertTrue(rs.next());
                assertEquals(1, rs.getInt(1));
            }
            s.execute("DROP TABLE roles_probe");
        } catch (SQLException e) {
            throw new AssertionError(login.user() + " cannot work in its own database " + url + ": " + e.getMessage(), e);
        }
    }

    private static void assertRefused(String url, PostgresServer.Login login) {
        SQLException refused = assertThrows(SQLException.class, () -> connect(url, login).close(),
                login.user() + " must not connect to " + url);
        assertEquals("42501", refused.getSQLState(), refused.getMessage());
        assertTrue(refused.getMessage().contains("permission denied for database"), refused.getMessage());
    }

    private static Connection connect(String url, PostgresServer.Login login) throws SQLException {
        return DriverManager.getConnection(url, login.user(), login.password());
    }

    private static void assertNoPasswordIn(Iterable<PostgresServer.Login> logins, Path... logs) {
        Set<String> secrets = new HashSet<>();
        logins.forEach(l -> secrets.add(l.password()));
        for (Path log : logs) {
            if (!Files.exists(log)) {
                continue;
            }
            try {
                String text = Files.readString(log);
                for (String secret : secrets) {
                    assertFalse(text.contains(secret), "a role's password in " + log);
                }
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
