package dev.virtgate.contracts.events;

/** What a cluster tolerates when a pair of hosts cannot migrate over TLS. */
public enum PolicyMode {
    /** Only TLS_NATIVE or TLS_TUNNELLED; anything else is refused. The default. */
    REQUIRE_TLS,
    /** Also SASL_TUNNELLED (memory inside the SASL-encrypted libvirt channel), with a warning. */
    ALLOW_SASL_FALLBACK,
    /** Until its expiry: also SASL_TUNNELLED and, as a last resort, INSECURE (audited). */
    UPGRADE_WINDOW
}
