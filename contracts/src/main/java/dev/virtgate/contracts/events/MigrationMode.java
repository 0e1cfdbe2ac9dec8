package dev.virtgate.contracts.events;

/** Security mode of a live migration, strongest first. */
public enum MigrationMode {
    /** QEMU encrypts the memory stream itself (TLS with both hosts' certificates). */
    TLS_NATIVE,
    /**
     * The agents carry the memory stream between the hosts inside TLS they terminate themselves,
     * both hosts' certificates verified; QEMU's stream is in clear only on each host's loopback
     * ({@link dev.virtgate.contracts.migration.ProxyRoute}).
     */
    TLS_AGENT_PROXY,
    TLS_TUNNELLED, SASL_TUNNELLED, INSECURE
}
