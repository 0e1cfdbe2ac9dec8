package dev.virtgate.agent.conf;

/** A configuration value was refused before anything was written. Names the field, never the value. */
public class ConfigRejectedException extends RuntimeException {
    private final String field;

    public ConfigRejectedException(String field, String reason) {
        super(field + ": " + reason);
        this.field = field;
    }

    public String field() {
        return field;
    }
}
