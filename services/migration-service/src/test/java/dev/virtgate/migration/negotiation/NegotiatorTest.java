package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.migration.ProxyRoute;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/** The table's rows, one example each, with the reasons operators read. */
class NegotiatorTest {
    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    final Negotiator negotiator = new Negotiator(Duration.ofMinutes(3));

    static HostState ready(String id, boolean nativeTls, String migrationAddress) {
        return ready(id, nativeTls, false, migrationAddress);
    }

    static HostState ready(String id, boolean nativeTls, boolean multifdTls, String migrationAddress) {
        return ready(id, nativeTls, multifdTls, migrationAddress, null);
    }

    /** {@code proxyPort}: the port of the agent's migration proxy (TLS_AGENT_PROXY); null: not offered. */
    static HostState ready(String id, boolean nativeTls, boolean multifdTls, String migrationAddress,
            Integer proxyPort) {
        return new HostState(id, "c1", id + ".lab.test", migrationAddress, "0af3", NOW.minusSeconds(3600),
                NOW.plusSeconds(86_400), null, "0af3", true, true, nativeTls, multifdTls, proxyPort, 1, true, null,
                NOW.minusSeconds(30), null);
    }

    static HostState expiredCert(HostState h, Duration ago) {
        return new HostState(h.hostId(), h.clusterId(), h.fqdn(), h.migrationAddress(), h.certSerial(),
                h.certNotBefore(), NOW.minus(ago), null, h.appliedCertSerial(), h.tlsListening(), h.saslListening(),
                h.nativeTlsMigration(), h.multifdTls(), h.migrationProxyPort(), h.credentialVersion(), h.postureAllPass(),
                h.failedCheck(), h.probedAt(), h.previousCert());
    }

    /** Renewed to 0af3 while libvirtd still runs {@code applied}; 0aa0 is the certificate 0af3 replaced. */
    static HostState renewing(HostState h, String applied, HostState.PreviousCertificate previous) {
        return new HostState(h.hostId(), h.clusterId(), h.fqdn(), h.migrationAddress(), h.certSerial(),
                h.certNotBefore(), h.certNotAfter(), null, applied, h.tlsListening(), h.saslListening(),
                h.nativeTlsMigration(), h.multifdTls(), h.migrationProxyPort(), h.credentialVersion(), h.postureAllPass(),
                h.failedCheck(), h.probedAt(), previous);
    }

    @Test
    void duringRenewalTheValidPreviousCertificateStillCounts() {
        HostState.PreviousCertificate valid = new HostState.PreviousCertificate("0aa0", NOW.plusSeconds(600), null);
        MigrationPlan plan = negotiator.negotiate(renewing(ready("a", true, null), "0aa0", valid),
                ready("b", true, null), ClusterPolicy.DEFAULT, NOW, null);
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_NATIVE);

        HostState.PreviousCertificate revoked = new HostState.PreviousCertificate("0aa0", NOW.plusSeconds(600),
                NOW.minusSeconds(60));
        HostState.PreviousCertificate expired = new HostState.PreviousCertificate("0aa0", NOW.minusSeconds(1), null);
        for (HostState.PreviousCertificate bad : java.util.List.of(revoked, expired)) {
            MigrationPlan refused = negotiator.negotiate(renewing(ready("a", true, null), "0aa0", bad),
                    ready("b", true, null), ClusterPolicy.DEFAULT, NOW, null);
            assertThat(refused.allowed()).as(bad.toString()).isFalse();
            assertThat(refused.reasons()).contains("source libvirtd runs certificate 0aa0, not the current 0af3");
        }
        // a serial that is neither the current nor the replaced one is never accepted
        MigrationPlan unknown = negotiator.negotiate(renewing(ready("a", true, null), "0bb0", valid),
                ready("b", true, null), ClusterPolicy.DEFAULT, NOW, null);
        assertThat(unknown.allowed()).isFalse();
        assertThat(unknown.reasons()).contains("source libvirtd runs certificate 0bb0, not the current 0af3");
    }

    @Test
    void tlsNativeOverTheMigrationNetwork() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, null), ready("b", true, "10.78.0.2"),
                ClusterPolicy.DEFAULT, NOW, 500);
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_NATIVE);
        assertThat(plan.destinationUri()).isEqualTo("qemu+tls://b.lab.test/system");
        assertThat(plan.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TLS");
        assertThat(plan.parameters()).containsEntry("migrate_uri", "tcp://10.78.0.2")
                .containsEntry("tls.destination", "b.lab.test").containsEntry("bandwidth", "500");
    }

    @Test
    void ipv6MigrationAddressIsBracketed() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, null), ready("b", true, "fd00::2"),
                ClusterPolicy.DEFAULT, NOW, null);
        assertThat(plan.parameters()).containsEntry("migrate_uri", "tcp://[fd00::2]").doesNotContainKey("bandwidth");
    }

    @Test
    void tunnelledWhenOneSideLacksNativeTls() {
        MigrationPlan plan = negotiator.negotiate(ready("a", false, null), ready("b", true, "10.78.0.2"),
                ClusterPolicy.DEFAULT, NOW, null);
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_TUNNELLED);
        assertThat(plan.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TUNNELLED");
        assertThat(plan.reasons()).anyMatch(r -> r.startsWith("source lacks QEMU native migration TLS"));
    }

    @Test
    void expiredCertificateIsRefusedUnderRequireTlsWithAReadableReason() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, null),
                expiredCert(ready("b", true, null), Duration.ofHours(2)), ClusterPolicy.DEFAULT, NOW, null);
        assertThat(plan.allowed()).isFalse();
        assertThat(plan.reasons()).contains("destination certificate expired 2h ago")
                .anyMatch(r -> r.contains("REQUIRE_TLS"));
    }

    @Test
    void saslFallbackWhenPolicyAllowsIt() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, null),
                expiredCert(ready("b", true, null), Duration.ofHours(2)),
                new ClusterPolicy(PolicyMode.ALLOW_SASL_FALLBACK, null), NOW, null);
        assertThat(plan.mode()).isEqualTo(MigrationMode.SASL_TUNNELLED);
        assertThat(plan.destinationUri()).isEqualTo("qemu+tcp://b.lab.test/system");
        assertThat(plan.warning()).isTrue();
        assertThat(plan.reasons()).contains("destination certificate expired 2h ago");
    }

    @Test
    void aRevokedHostGetsNoSaslFallbackEither() {
        HostState r = ready("b", true, null);
        HostState revoked = new HostState(r.hostId(), r.clusterId(), r.fqdn(), r.migrationAddress(), r.certSerial(),
                r.certNotBefore(), r.certNotAfter(), NOW.minus(Duration.ofMinutes(5)), r.appliedCertSerial(),
                r.tlsListening(), r.saslListening(), r.nativeTlsMigration(), r.multifdTls(), r.migrationProxyPort(),
                r.credentialVersion(),
                r.postureAllPass(),
                r.failedCheck(), r.probedAt(), r.previousCert());
        MigrationPlan plan = negotiator.negotiate(ready("a", true, null), revoked,
                new ClusterPolicy(PolicyMode.ALLOW_SASL_FALLBACK, null), NOW, null);
        assertThat(plan.allowed()).isFalse();
        assertThat(plan.reasons()).anyMatch(x -> x.contains("lost the cluster's SASL credential"));
    }

    @Test
    void insecureOnlyInsideAnOpenWindow() {
        HostState legacy = new HostState("b", "c1", "b.lab.test", "10.78.0.2", null, null, null, null, null, false,
                false, false, false, null, null, null, null, null, null);
        MigrationPlan open = negotiator.negotiate(ready("a", true, null), legacy,
                new ClusterPolicy(PolicyMode.UPGRADE_WINDOW, NOW.plus(Duration.ofHours(3))), NOW, null);
        assertThat(open.mode()).isEqualTo(MigrationMode.INSECURE);
        assertThat(open.memoryInClear()).isTrue();
        assertThat(open.reasons()).anyMatch(r -> r.contains("UNENCRYPTED") && r.contains("expires in 3h"));

        MigrationPlan closed = negotiator.negotiate(ready("a", true, null), legacy,
                new ClusterPolicy(PolicyMode.UPGRADE_WINDOW, NOW.minus(Duration.ofHours(2))), NOW, null);
        assertThat(closed.allowed()).isFalse();
        assertThat(closed.reasons()).contains("refused: the upgrade window expired 2h ago",
                "destination has no certificate from this CA (not enrolled yet)");
    }

    @Test
    void stalePostureAndRevokedCertificateAreExplained() {
        HostState stale = new HostState("a", "c1", "a.lab.test", null, "0af3", NOW.minusSeconds(3600),
                NOW.plusSeconds(86_400), NOW.minus(Duration.ofMinutes(5)), "0af3", true, true, true, true, null, 1, true,
                null, NOW.minus(Duration.ofMinutes(7)), null);
        MigrationPlan plan = negotiator.negotiate(stale, ready("b", true, null), ClusterPolicy.DEFAULT, NOW, null);
        assertThat(plan.reasons()).contains("source certificate 0af3 was revoked 5m ago",
                "source posture is stale: last report 7m ago (max age 3m)");
    }

    @Test
    void parallelWhenBothHostsRunMultifdWithTls() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, true, null), ready("b", true, true, "10.78.0.2"),
                ClusterPolicy.DEFAULT, NOW, 500);
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_NATIVE);
        assertThat(plan.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TLS",
                "PARALLEL");
        assertThat(plan.parameters()).containsEntry("parallel.connections",
                Integer.toString(Negotiator.DEFAULT_PARALLEL_CONNECTIONS)).containsEntry("migrate_uri", "tcp://10.78.0.2")
                .containsEntry("tls.destination", "b.lab.test").containsEntry("bandwidth", "500");
        assertThat(plan.reasons()).contains(Negotiator.DEFAULT_PARALLEL_CONNECTIONS + " parallel TLS connections carry"
                + " the memory (multifd), both hosts run it; default, no parallelConnections in the cluster policy");
    }

    @Test
    void theClusterPolicyNamesTheConnectionsAndOneMeansASingleStream() {
        MigrationPlan three = negotiator.negotiate(ready("a", true, true, null), ready("b", true, true, null),
                new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, 3), NOW, null);
        assertThat(three.flags()).contains("TLS", "PARALLEL");
        assertThat(three.parameters()).containsEntry("parallel.connections", "3");
        assertThat(three.reasons()).contains("3 parallel TLS connections carry the memory (multifd), both hosts run"
                + " it; cluster policy sets parallelConnections");

        MigrationPlan one = negotiator.negotiate(ready("a", true, true, null), ready("b", true, true, null),
                new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, 1), NOW, null);
        assertThat(one.flags()).contains("TLS").doesNotContain("PARALLEL");
        assertThat(one.parameters()).doesNotContainKey("parallel.connections");
        assertThat(one.reasons()).contains("one TLS connection: cluster policy sets parallelConnections to 1");
    }

    @Test
    void aSingleStreamWhenEitherHostLacksMultifdWithTls() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, true, null), ready("b", true, false, null),
                new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, 4), NOW, null);
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_NATIVE);
        assertThat(plan.flags()).doesNotContain("PARALLEL");
        assertThat(plan.parameters()).doesNotContainKey("parallel.connections");
        assertThat(plan.reasons()).contains("one TLS connection: destination does not run parallel (multifd) migration"
                + " with TLS (libvirt and QEMU 5.2 or later)");
        assertThat(negotiator.negotiate(ready("a", true, false, null), ready("b", true, false, null),
                ClusterPolicy.DEFAULT, NOW, null).reasons()).contains("one TLS connection: neither host runs parallel"
                        + " (multifd) migration with TLS (libvirt and QEMU 5.2 or later)");
    }

    /** libvirt forbids multifd inside its tunnel: a tunnelled plan never asks for it, even between multifd hosts. */
    @Test
    void neverParallelWhenTunnelled() {
        MigrationPlan tunnelled = negotiator.negotiate(ready("a", false, true, null), ready("b", true, true, null),
                new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, 4), NOW, null);
        assertThat(tunnelled.mode()).isEqualTo(MigrationMode.TLS_TUNNELLED);
        assertThat(tunnelled.flags()).contains("TUNNELLED").doesNotContain("PARALLEL");
        assertThat(tunnelled.parameters()).doesNotContainKey("parallel.connections");
        assertThat(tunnelled.reasons()).contains(Negotiator.NOT_IN_TUNNEL);

        MigrationPlan sasl = negotiator.negotiate(ready("a", true, true, null),
                expiredCert(ready("b", true, true, null), Duration.ofHours(2)),
                new ClusterPolicy(PolicyMode.ALLOW_SASL_FALLBACK, null, 4), NOW, null);
        assertThat(sasl.mode()).isEqualTo(MigrationMode.SASL_TUNNELLED);
        assertThat(sasl.flags()).contains("TUNNELLED").doesNotContain("PARALLEL");
        assertThat(sasl.parameters()).doesNotContainKey("parallel.connections");
        assertThat(sasl.reasons()).contains(Negotiator.NOT_IN_TUNNEL);
    }

    static final ClusterPolicy PROXY = new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, null, true);

    /** The agents encrypt: one stream, libvirt's control connection on TLS, QEMU without TLS, the route signed. */
    @Test
    void agentProxyWhenTheClusterOptsInAndBothAgentsOfferIt() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, true, null, 16516),
                ready("b", true, true, "10.78.0.2", 16517), new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, 4, true),
                NOW, 500);
        assertThat(plan.allowed()).isTrue();
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_AGENT_PROXY);
        assertThat(plan.destinationUri()).isEqualTo("qemu+tls://b.lab.test/system");
        assertThat(plan.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE");
        assertThat(plan.parameters()).containsExactly(java.util.Map.entry("bandwidth", "500"));
        assertThat(plan.proxyRoute()).isEqualTo(new ProxyRoute("10.78.0.2", 16517, "b.lab.test"));
        assertThat(plan.warning()).isFalse();
        assertThat(plan.memoryInClear()).isFalse();
        assertThat(plan.reasons()).containsExactly("both hosts are TLS-ready",
                "cluster policy sets agentTlsProxy and both agents offer their migration proxy",
                "the agents carry the memory stream inside TLS they terminate, both host certificates verified;"
                        + " QEMU's stream is in clear only on each host's loopback",
                "memory goes over the migration network to the destination agent's proxy at 10.78.0.2:16517, its"
                        + " certificate verified against b.lab.test",
                "one connection: QEMU cannot send parallel (multifd) connections through the agents' proxy");
    }

    @Test
    void theRouteGoesToTheMigrationAddressElseTheFqdn() {
        MigrationPlan byName = negotiator.negotiate(ready("a", true, false, null, 16516),
                ready("b", false, false, null, 16600), PROXY, NOW, null);
        assertThat(byName.mode()).isEqualTo(MigrationMode.TLS_AGENT_PROXY);
        assertThat(byName.proxyRoute()).isEqualTo(new ProxyRoute("b.lab.test", 16600, "b.lab.test"));
        assertThat(byName.parameters()).isEmpty();
        assertThat(byName.reasons()).contains("memory goes to the destination agent's proxy at b.lab.test:16600, its"
                + " certificate verified against b.lab.test");

        MigrationPlan v6 = negotiator.negotiate(ready("a", true, false, null, 16516),
                ready("b", true, false, "fd00::2", 16516), PROXY, NOW, null);
        assertThat(v6.proxyRoute()).isEqualTo(new ProxyRoute("fd00::2", 16516, "b.lab.test"));
        assertThat(v6.parameters()).doesNotContainKeys("migrate_uri", "tls.destination", "listen_address");
        assertThat(v6.reasons()).anyMatch(r -> r.contains("proxy at [fd00::2]:16516"));
    }

    @Test
    void noProxyUnlessTheClusterPolicyAsksForIt() {
        MigrationPlan plan = negotiator.negotiate(ready("a", true, false, null, 16516),
                ready("b", true, false, "10.78.0.2", 16516), ClusterPolicy.DEFAULT, NOW, null);
        assertThat(plan.mode()).isEqualTo(MigrationMode.TLS_NATIVE);
        assertThat(plan.proxyRoute()).isNull();
        assertThat(plan.reasons()).noneMatch(r -> r.contains("agentTlsProxy") || r.contains("proxy"));
    }

    /** The policy asks, a host does not offer: QEMU's and libvirt's own TLS as before, and the reason names the side. */
    @Test
    void aHostWithoutTheProxyFallsBackNamingTheSide() {
        MigrationPlan noSource = negotiator.negotiate(ready("a", true, false, null, null),
                ready("b", true, false, "10.78.0.2", 16516), PROXY, NOW, null);
        assertThat(noSource.mode()).isEqualTo(MigrationMode.TLS_NATIVE);
        assertThat(noSource.flags()).contains("TLS");
        assertThat(noSource.proxyRoute()).isNull();
        assertThat(noSource.parameters()).containsEntry("migrate_uri", "tcp://10.78.0.2");
        assertThat(noSource.reasons()).contains("cluster policy sets agentTlsProxy, but the source agent offers no"
                + " migration proxy (no migrationProxyPort reported): QEMU native TLS or libvirt's tunnel instead");

        MigrationPlan noDestination = negotiator.negotiate(ready("a", true, false, null, 16516),
                ready("b", false, false, null, null), PROXY, NOW, null);
        assertThat(noDestination.mode()).isEqualTo(MigrationMode.TLS_TUNNELLED);
        assertThat(noDestination.proxyRoute()).isNull();
        assertThat(noDestination.reasons()).anyMatch(r -> r.startsWith("cluster policy sets agentTlsProxy, but the"
                + " destination agent offers no migration proxy"));

        MigrationPlan neither = negotiator.negotiate(ready("a", true, null), ready("b", true, null), PROXY, NOW, null);
        assertThat(neither.mode()).isEqualTo(MigrationMode.TLS_NATIVE);
        assertThat(neither.reasons()).anyMatch(r -> r.startsWith("cluster policy sets agentTlsProxy, but neither"
                + " agent offers a migration proxy"));
    }

    /** The proxy verifies both host certificates: a host that is not TLS-ready never gets it. */
    @Test
    void noProxyWithoutTlsReadiness() {
        HostState expired = expiredCert(ready("b", true, false, null, 16516), Duration.ofHours(2));
        MigrationPlan refused = negotiator.negotiate(ready("a", true, false, null, 16516), expired, PROXY, NOW, null);
        assertThat(refused.allowed()).isFalse();
        assertThat(refused.proxyRoute()).isNull();

        MigrationPlan sasl = negotiator.negotiate(ready("a", true, false, null, 16516), expired,
                new ClusterPolicy(PolicyMode.ALLOW_SASL_FALLBACK, null, null, true), NOW, null);
        assertThat(sasl.mode()).isEqualTo(MigrationMode.SASL_TUNNELLED);
        assertThat(sasl.proxyRoute()).isNull();
    }
}
