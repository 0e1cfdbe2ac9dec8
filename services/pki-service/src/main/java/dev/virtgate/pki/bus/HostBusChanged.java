package dev.virtgate.pki.bus;

/**
 * Fired (CDI) inside a transaction that changed whether a host may use the bus: a host certificate
 * issued or revoked, the host decommissioned. {@link HostBusSync} applies it once committed.
 */
public record HostBusChanged(String hostId) {
}
