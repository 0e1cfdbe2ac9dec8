package dev.virtgate.pki.bus;

/**
 * Fired (CDI) inside a transaction that changed whether a host may use the bus: a host certificate
 * issued or revoked (a decommission revokes them all). {@link HostBusSync} applies it once committed;
 * an expired certificate is noticed by its reconciler.
 */
public record HostBusChanged(String hostId) {
}
