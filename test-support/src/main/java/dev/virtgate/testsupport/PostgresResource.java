package dev.virtgate.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * PostgreSQL for a {@code @QuarkusTest}, one database per service (init arg {@code database}).
 * Reuses the server at {@code VIRTGATE_TEST_PG_URL} (a JDBC URL ending in '/', with
 * {@code VIRTGATE_TEST_PG_USER}/{@code VIRTGATE_TEST_PG_PASSWORD}) whose database must exist;
 * otherwise starts a real server process.
 */
public class PostgresResource implements QuarkusTestResourceLifecycleManager {
    private String database = "virtgate";

    @Override
    public void init(Map<String, String> initArgs) {
        database = initArgs.getOrDefault("database", database);
    }

    @Override
    public Map<String, String> start() {
        String url = Workspace.env("VIRTGATE_TEST_PG_URL").orElse(null);
        if (url != null) {
            return Map.of("quarkus.datasource.jdbc.url", url + database,
                    "quarkus.datasource.username", Workspace.env("VIRTGATE_TEST_PG_USER").orElse(PostgresServer.USER),
                    "quarkus.datasource.password",
                    Workspace.env("VIRTGATE_TEST_PG_PASSWORD").orElse(PostgresServer.PASSWORD),
                    "quarkus.datasource.devservices.enabled", "false");
        }
        PostgresServer server = PostgresServer.shared();
        server.ensureDatabase(database);
        return Map.of("quarkus.datasource.jdbc.url", server.jdbcUrl(database),
                "quarkus.datasource.username", PostgresServer.USER,
                "quarkus.datasource.password", PostgresServer.PASSWORD,
                "quarkus.datasource.devservices.enabled", "false");
    }

    @Override
    public void stop() {
        // Shared across the test JVM; stopped by PID at exit.
    }
}
