package dev.virtgate.contracts.migration;

/**
 * A migration parameter libvirt would not accept: a name virtgate does not use, or a value that is
 * not of the parameter's type or range. The message names the parameter (unprintable characters
 * replaced), never the value. An {@link IllegalArgumentException}, so a command carrying one is
 * refused like any other malformed command.
 */
public class InvalidMigrationParameterException extends IllegalArgumentException {
    private final String parameter;

    public InvalidMigrationParameterException(String parameter, String message) {
        super(message);
        this.parameter = printable(parameter);
    }

    /** The parameter's name as given, reduced to letters, digits, '_' and '.'. */
    public String parameter() {
        return parameter;
    }

    static String printable(String name) {
        if (name == null) {
            return "null";
        }
        String cut = name.length() > 64 ? name.substring(0, 64) : name;
        return cut.replaceAll("[^A-Za-z0-9_.]", "?");
    }
}
