package dev.virtgate.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.commands.AuditCommand;
import dev.virtgate.cli.commands.CertsCommand;
import dev.virtgate.cli.commands.CredentialsCommand;
import dev.virtgate.cli.commands.HostsCommand;
import dev.virtgate.cli.commands.MigrateCommand;
import dev.virtgate.cli.commands.MigrationsCommand;
import dev.virtgate.cli.commands.PlanCommand;
import dev.virtgate.cli.commands.PolicyCommand;
import dev.virtgate.cli.config.Environment;
import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.time.Clock;

/**
 * {@code ./virtgate hosts|plan|migrate|migrations|policy|credentials|certs|audit}: the operators'
 * CLI. Exit 0 done, 1 refused or failed, 2 usage; errors are one readable message, never a trace.
 */
@Command(name = "virtgate", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, version = "virtgate-cli 0.1.0",
        description = "Operate a virtgate fleet through its REST APIs.",
        subcommands = {HostsCommand.class, PlanCommand.class, MigrateCommand.class, MigrationsCommand.class,
                PolicyCommand.class, CredentialsCommand.class, CertsCommand.class, AuditCommand.class},
        footer = {"", "Token: --token, VIRTGATE_TOKEN or token= in ~/.config/virtgate/cli.conf (mode 0600); get one "
                + "with ./virtgate token operator <name>.", "Exit: 0 done, 1 refused or failed, 2 usage."})
public class VirtgateCli extends GlobalOptions implements Runnable {
    private final Environment environment;
    private final boolean terminal;
    private final Clock clock;
    private final ObjectMapper json = Json.mapper();

    public VirtgateCli(Environment environment, boolean terminal, Clock clock) {
        this.environment = environment;
        this.terminal = terminal;
        this.clock = clock;
    }

    public static void main(String[] args) {
        System.exit(run(Environment.system(), System.console() != null, new PrintWriter(System.out, true),
                new PrintWriter(System.err, true), args));
    }

    /** Runs one command line; what main does, with everything it touches passed in. */
    public static int run(Environment env, boolean terminal, PrintWriter out, PrintWriter err, String... args) {
        CommandLine cli = commandLine(new VirtgateCli(env, terminal, Clock.systemUTC()));
        cli.setOut(out);
        cli.setErr(err);
        return cli.execute(args);
    }

    public static CommandLine commandLine(VirtgateCli root) {
        CommandLine cli = new CommandLine(root);
        cli.setParameterExceptionHandler((ex, args) -> {
            PrintWriter err = ex.getCommandLine().getErr();
            err.println("virtgate: " + ex.getMessage());
            ex.getCommandLine().usage(err);
            err.flush();
            return ExitCodes.USAGE;
        });
        cli.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
            PrintWriter err = commandLine.getErr();
            err.println("virtgate: " + (ex instanceof CliException || ex.getMessage() != null
                    ? ex.getMessage() : ex.getClass().getSimpleName()));
            err.flush();
            return ExitCodes.FAILED;
        });
        return cli;
    }

    /** Without a sub-command: the usage, and exit 2. */
    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "a sub-command is required");
    }

    public Environment environment() {
        return environment;
    }

    public boolean terminal() {
        return terminal;
    }

    public Clock clock() {
        return clock;
    }

    public ObjectMapper json() {
        return json;
    }
}
