package dev.virtgate.cli.config;

/** The control-plane services the CLI talks to, with the names ./virtgate uses for them. */
public enum Service {
    MIGRATION("migration-service", "migration-url", 8083),
    PKI("pki-service", "pki-url", 8081),
    CREDENTIAL("credential-service", "credential-url", 8082);

    private final String serviceName;
    private final String configKey;
    private final int defaultPort;

    Service(String serviceName, String configKey, int defaultPort) {
        this.serviceName = serviceName;
        this.configKey = configKey;
        this.defaultPort = defaultPort;
    }

    public String serviceName() {
        return serviceName;
    }

    /** The key in cli.conf, and the flag without its dashes. */
    public String configKey() {
        return configKey;
    }

    /** VIRTGATE_MIGRATION_URL, VIRTGATE_PKI_URL, VIRTGATE_CREDENTIAL_URL. */
    public String urlVariable() {
        return "VIRTGATE_" + name() + "_URL";
    }

    /** The port variable ./virtgate up writes to ports.env: VIRTGATE_MIGRATION_SERVICE_PORT, ... */
    public String portVariable() {
        return "VIRTGATE_" + name() + "_SERVICE_PORT";
    }

    public int defaultPort() {
        return defaultPort;
    }
}
