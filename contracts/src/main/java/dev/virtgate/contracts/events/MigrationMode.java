package dev.virtgate.contracts.events;

/** Security mode of a live migration, strongest first. */
public enum MigrationMode {
    TLS_NATIVE, TLS_TUNNELLED, SASL_TUNNELLED, INSECURE
}
