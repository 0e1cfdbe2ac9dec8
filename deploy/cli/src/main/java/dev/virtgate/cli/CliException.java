package dev.virtgate.cli;

/**
 * A failure the operator can act on: its message is printed as is (one line, or a few for a
 * problem's invalid params) and the CLI exits 1. Never carries a stack trace to the terminal.
 */
public class CliException extends RuntimeException {

    public CliException(String message) {
        super(message, null, false, false);
    }
}
