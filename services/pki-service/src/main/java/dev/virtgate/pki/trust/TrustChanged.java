package dev.virtgate.pki.trust;

/**
 * Fired (CDI) inside a transaction that changed what hosts and services must trust: a CRL was
 * (re)signed, which every bootstrap, rotation, intermediate import and revocation does, or a CA
 * left the bundle. {@link TrustPublisher} publishes once that transaction has committed.
 */
public record TrustChanged(String why) {
}
