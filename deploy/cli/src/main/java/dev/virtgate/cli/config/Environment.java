package dev.virtgate.cli.config;

import java.nio.file.Path;
import java.util.Map;

/**
 * What the CLI reads from outside its arguments: environment variables and the user's home.
 * A record so that tests run the CLI in-process with their own.
 */
public record Environment(Map<String, String> variables, Path userHome) {

    public static Environment system() {
        return new Environment(System.getenv(), Path.of(System.getProperty("user.home")));
    }

    public String get(String name) {
        String value = variables.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }
}
