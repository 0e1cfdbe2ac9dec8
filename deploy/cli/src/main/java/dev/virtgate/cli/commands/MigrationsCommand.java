package dev.virtgate.cli.commands;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.cli.config.Service;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import static dev.virtgate.cli.output.Formats.text;

@Command(name = "migrations", description = "Migrations (migration-service).",
        subcommands = {MigrationsCommand.ListMigrations.class, MigrationsCommand.Show.class,
                MigrationsCommand.Cancel.class})
public class MigrationsCommand extends CommandGroup {

    /** The states GET /v1/migrations filters on. */
    enum State { REQUESTED, RUNNING, COMPLETED, FAILED, CANCELLED }

    @Command(name = "list", description = "Recent migrations, newest first.")
    static class ListMigrations extends ApiCommand {
        @Option(names = "--host", description = "source or destination host id")
        String host;

        @Option(names = "--state", description = "one of ${COMPLETION-CANDIDATES}")
        State state;

        @Option(names = "--limit", description = "at most this many (1..1000, default 100)")
        Integer limit;

        @Override
        protected int execute() {
            JsonNode list = api().get(Service.MIGRATION, "/v1/migrations" + query("host", host, "state", state,
                    "limit", limit));
            if (jsonOutput()) {
                printJson(list);
                return done();
            }
            print(MigrationViews.table(list));
            return done();
        }
    }

    @Command(name = "show", description = "One migration, with its progress.")
    static class Show extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "migration id")
        String id;

        @Override
        protected int execute() {
            JsonNode m = api().get(Service.MIGRATION, "/v1/migrations/" + segment(id));
            if (jsonOutput()) {
                printJson(m);
            } else {
                printFields(MigrationViews.fields(m));
            }
            return done();
        }
    }

    @Command(name = "cancel", description = "Asks the source agent to abort; the state follows its report.")
    static class Cancel extends ApiCommand {
        @Parameters(paramLabel = "ID", description = "migration id")
        String id;

        @Override
        protected int execute() {
            JsonNode m = api().delete(Service.MIGRATION, "/v1/migrations/" + segment(id));
            if (jsonOutput()) {
                printJson(m);
            } else {
                out().println("cancellation of migration " + id + " requested (state " + text(m, "state") + ")");
                out().flush();
            }
            return done();
        }
    }
}
