package dev.virtgate.contracts;

import java.util.List;

/**
 * An event that does not match its schema or type. The message names the offending fields
 * (JSON paths) and never echoes their values, so a secret in a malformed event stays out of logs.
 */
public class InvalidEventException extends RuntimeException {
    private final List<String> fields;

    public InvalidEventException(String message, List<String> fields) {
        super(message);
        this.fields = List.copyOf(fields);
    }

    public List<String> fields() {
        return fields;
    }
}
