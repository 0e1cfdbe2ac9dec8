package dev.virtgate.cli.commands;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** A noun such as {@code hosts}: alone it is a usage error (exit 2) naming its verbs. */
public abstract class CommandGroup implements Runnable {

    @Spec
    protected CommandSpec spec;

    @Override
    public void run() {
        throw new ParameterException(spec.commandLine(), "missing sub-command: one of "
                + String.join(", ", spec.subcommands().keySet()));
    }
}
