package dev.virtgate.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * PostgreSQL for a {@code @QuarkusTest}: the database named by the init arg {@code database},
 * reached with the login role of the service whose tests run ({@link Workspace#testService()}; without
 * it, the service the database's name says, {@link PostgresServer#serviceOf}), which owns that
 * database and may connect to no other service's.
 *
 * <p>Starts a real server process, or reuses the server at {@code VIRTGATE_TEST_PG_URL} (a JDBC URL
 * ending in '/', e.g. the local stack's {@code jdbc:postgresql://127.0.0.1:15432/}), where the
 * database must exist, owned by the service's role, whose password is read from the file named
 * after the role in {@code VIRTGATE_TEST_PG_PASSWORD_DIR} (default: where {@code ./virtgate up}
 * keeps them, {@code $VIRTGATE_HOME/postgres/passwords}).
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {
    private String database = "virtgate";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
    }

    @Override
    public Map<String, String> start() {
        String service = Workspace.testService().or(() -> PostgresServer.serviceOf(database))
                .orElseThrow(() -> new IllegalStateException("PostgresResource: which service's role reaches "
                        + database + "? set virtgate.test.service (the build does, per module)"));
        return start(service);
    }

    /** The datasource configuration for SERVICE's tests. */
    Map<String, String> start(String service) {
        String url = Workspace.env("VIRTGATE_TEST_PG_URL").orElse(null);
        if (url != null) {
            String role = PostgresServer.roleOf(service);
            return config(url + database, new PostgresServer.Login(role, localStackPassword(role)));
        }
        PostgresServer server = PostgresServer.shared();
        return config(server.jdbcUrl(database), server.ensureDatabase(database, service));
    }

    private static Map<String, String> config(String url, PostgresServer.Login login) {
        return Map.of("quarkus.datasource.jdbc.url", url,
                "quarkus.datasource.username", login.user(),
                "quarkus.datasource.password", login.password(),
                "quarkus.datasource.devservices.enabled", "false");
    }

    private static String localStackPassword(String role) {
        Path dir = Workspace.env("VIRTGATE_TEST_PG_PASSWORD_DIR").map(Path::of)
                .orElseGet(() -> Workspace.home().resolve("postgres/passwords"));
        Path file = dir.resolve(role);
        try {
            return Files.readAllLines(file).get(0).strip();
        } catch (IOException | IndexOutOfBoundsException e) {
            throw new IllegalStateException("VIRTGATE_TEST_PG_URL is set but the password of " + role
                    + " cannot be read from " + file + " (" + e.getClass().getSimpleName() + ")");
        }
    }

    @Override
    public void stop() {
        // Shared across the test JVM; stopped by PID at exit.
    }
}
