package dev.virtgate.e2e;

import dev.virtgate.testsupport.PostgresServer;
import dev.virtgate.testsupport.Workspace;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each service's Flyway migrations (service-support's db/support, then the service's db/migration),
 * run with the settings the services use, on a real PostgreSQL as the service's own role: once on
 * an empty database, once on a database holding the previous release's schema (as that release's
 * Hibernate created it, with a row and a column of an even older release). Both end with the same
 * schema, which every service's Hibernate validates at start; the row survives, the old column goes.
 */
class SchemaMigrationsIT {
    private static final Map<String, List<String>> APPLIED_AFTER_BASELINE = Map.of(
            "pki", List.of("2", "2.1", "3"), "credential", List.of("2", "2.1"), "migration", List.of("2", "2.1", "3", "4", "5", "6"));
    private static final Map<String, String> OLD_COLUMN = Map.of(
            "pki", "registered_host.token_sha256", "credential", "host_member.enrollment_token_sha256",
            "migration", "host.enrollment_token_sha256");

    @ParameterizedTest
    @ValueSource(strings = {"pki", "credential", "migration"})
    void anEmptyDatabaseAndThePreviousReleasesEndWithTheSameSchema(String service) throws IOException {
        PostgresServer pg = PostgresServer.shared();
        String empty = "virtgate_" + service + "_schema_empty";
        String previous = "virtgate_" + service + "_schema_previous";

        MigrateResult fresh = flyway(pg, empty).migrate();
        assertTrue(fresh.success);
        List<String> all = new java.util.ArrayList<>(List.of("1", "1.1"));
        all.addAll(APPLIED_AFTER_BASELINE.get(service));
        assertEquals(all, versions(pg, empty));

        pg.ensureDatabase(previous);
        String[] old = OLD_COLUMN.get(service).split("\\.");
        pg.runAsOwner(previous, sql("services/service-support/src/main/resources/db/support/V1__outbox_and_processed_events.sql")
                + sql("services/" + service + "-service/src/main/resources/db/migration/V1_1__" + service + "_schema.sql")
                + "alter table " + old[0] + " add column " + old[1] + " varchar(64);\n"
                + "insert into processed_event (id, ceType, processedAt) values ('from-the-previous-release', 't', now());\n");
        MigrateResult upgrade = flyway(pg, previous).migrate();
        assertTrue(upgrade.success);
        assertEquals("BASELINE", pg.query(previous,
                "select type from flyway_schema_history where version = '1.1'"), "the previous release is baselined");
        assertEquals(APPLIED_AFTER_BASELINE.get(service), upgrade.migrations.stream().map(m -> m.version).toList());
        assertEquals("1", pg.query(previous, "select count(*) from processed_event where id = 'from-the-previous-release'"));
        assertFalse(schema(pg, previous).contains(old[0] + "." + old[1] + " "), "the old release's column is dropped");
        assertEquals(schema(pg, empty), schema(pg, previous));
    }

    private static Flyway flyway(PostgresServer pg, String database) {
        PostgresServer.Login login = pg.ensureDatabase(database);
        Path root = Workspace.repositoryRoot();
        String service = database.split("_")[1];
        // the locations and baseline the services' application.properties give quarkus.flyway
        return Flyway.configure()
                .dataSource(pg.jdbcUrl(database), login.user(), login.password())
                .locations("filesystem:" + root.resolve("services/service-support/src/main/resources/db/support"),
                        "filesystem:" + root.resolve("services/" + service + "-service/src/main/resources/db/migration"))
                .baselineOnMigrate(true).baselineVersion("1.1")
                .load();
    }

    private static List<String> versions(PostgresServer pg, String database) {
        return pg.query(database, "select version from flyway_schema_history where success order by installed_rank")
                .lines().toList();
    }

    /** Every column of every table but Flyway's own: table.column type nullability, sorted. */
    private static String schema(PostgresServer pg, String database) {
        return pg.query(database, "select table_name || '.' || column_name || ' ' || data_type || ' '"
                + " || coalesce(character_maximum_length::text, '') || ' ' || is_nullable from information_schema.columns"
                + " where table_schema = 'public' and table_name <> 'flyway_schema_history' order by 1");
    }

    private static String sql(String path) throws IOException {
        return Files.readString(Workspace.repositoryRoot().resolve(path)) + "\n";
    }
}
