package dev.virtgate.cli;

/** What scripts may rely on. */
public final class ExitCodes {
    /** Done: the request was accepted and, with --wait, the migration completed. */
    public static final int OK = 0;
    /** Refused or failed: an HTTP error, a refused plan, a failed or cancelled migration, a bad token or config. */
    public static final int FAILED = 1;
    /** Usage: an unknown sub-command or flag, a missing or malformed argument. */
    public static final int USAGE = 2;

    private ExitCodes() {
    }
}
