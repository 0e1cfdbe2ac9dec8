package dev.virtgate.contracts.events;

/** What a cluster tolerates when a pair of hosts cannot migrate over TLS. */
public enum PolicyMode {
    /** Only TLS_NATIVE or TLS_TUNNELLED; anything else is refused. The default. */
    REQUIRE_TLS,
    /** Also SASL_TUNNELLED (memory inside the SASL-encrypted libvirt channel), with a warning. */
    ALLOW_SASL_FALLBACK,
    /** Until its expiry: also SASL_TUNNELLED and, as a last resort, INSECURE (audited). */
    UPGRADE_WINDOW;

    /** An UPGRADE_WINDOW that has not expired at {@code now}. */
    public boolean windowOpen(java.time.Instant windowExpiresAt, java.time.Instant now) {
        return this == UPGRADE_WINDOW && windowExpiresAt != null && now.isBefore(windowExpiresAt);
    }

    /**
     * Whether SASL over plain TCP is allowed at {@code now}: the one rule behind the negotiator's
     * SASL fallback and the agents' libvirtd TCP port.
     */
    public boolean allowsSasl(java.time.Instant windowExpiresAt, java.time.Instant now) {
        return this == ALLOW_SASL_FALLBACK || windowOpen(windowExpiresAt, now);
    }
}
