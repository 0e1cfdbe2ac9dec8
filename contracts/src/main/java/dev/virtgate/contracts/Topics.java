package dev.virtgate.contracts;

/** One Kafka topic per event family. */
public final class Topics {
    public static final String HOSTS = "virtgate.hosts";
    public static final String PKI = "virtgate.pki";
    public static final String CREDENTIALS = "virtgate.credentials";
    public static final String MIGRATION_COMMANDS = "virtgate.migrations.commands";
    public static final String MIGRATION_RESULTS = "virtgate.migrations.results";

    /** Where a consumer parks events it cannot process: {@code virtgate.dlq.<service>}. */
    public static String deadLetter(String service) {
        return "virtgate.dlq." + service;
    }

    private Topics() {
    }
}
