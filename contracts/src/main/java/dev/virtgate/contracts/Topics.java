package dev.virtgate.contracts;

/** One Kafka topic per event family. */
public final class Topics {
    public static final String HOSTS = "virtgate.hosts";
    public static final String PKI = "virtgate.pki";
    public static final String CREDENTIALS = "virtgate.credentials";
    public static final String MIGRATION_COMMANDS = "virtgate.migrations.commands";
    public static final String MIGRATION_RESULTS = "virtgate.migrations.results";

    /** The services that consume events, each with a dead-letter topic. */
    public static final java.util.List<String> CONSUMERS = java.util.List.of("pki-service", "credential-service",
            "migration-service", "host-agent");

    /** Every event topic and every dead-letter topic, for creating them ahead of the first producer. */
    public static java.util.List<String> all() {
        java.util.List<String> all = new java.util.ArrayList<>(java.util.List.of(HOSTS, PKI, CREDENTIALS,
                MIGRATION_COMMANDS, MIGRATION_RESULTS));
        CONSUMERS.forEach(service -> all.add(deadLetter(service)));
        return all;
    }

    /** Where a consumer parks events it cannot process: {@code virtgate.dlq.<service>}. */
    public static String deadLetter(String service) {
        return "virtgate.dlq." + service;
    }

    private Topics() {
    }
}
