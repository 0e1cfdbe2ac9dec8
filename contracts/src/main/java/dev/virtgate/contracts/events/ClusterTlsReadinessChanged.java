package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;

/**
 * Whether every active host of a cluster can take a migration over QEMU's native TLS, as the
 * registry knows it: each is TLS-ready (certificate applied, posture passing) and reports native TLS
 * migration. Integrations that configure a cloud's own migration path (Nova's
 * {@code live_migration_with_native_tls}) switch it on only while this holds for the whole
 * cluster, so a half-upgraded cluster neither breaks migrations nor falls back to clear text.
 * Agents keep the highest {@code revision} per cluster.
 */
public record ClusterTlsReadinessChanged(
        String clusterId,
        boolean nativeTlsEverywhere,
        int hosts,
        int nativeTlsHosts,
        long revision,
        Instant changedAt) implements Event {

    @Override
    public String subject() {
        return clusterId;
    }
}
