package dev.virtgate.migration.negotiation;

import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;
import dev.virtgate.contracts.migration.ProxyRoute;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.constraints.IntRange;

import java.time.Duration;
import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The capability x policy x time matrix: whatever the hosts report and whatever the policy says,
 * the memory stream is never unencrypted unless an unexpired upgrade window allows it, and each
 * mode is chosen exactly when the architecture table says so.
 */
class NegotiationMatrixPropertyTest {
    static final Instant NOW = Instant.parse("2026-11-22T12:00:00Z");
    static final Duration MAX_AGE = Duration.ofMinutes(3);
    final Negotiator negotiator = new Negotiator(MAX_AGE);

    /** NOT_APPLIED: issued, but the agent's report names no serial (it must not count as running it). */
    enum Cert { NONE, VALID, EXPIRED, REVOKED, NOT_YET_VALID, STALE_APPLIED, NOT_APPLIED }

    enum Posture { NONE, FRESH_PASS, FRESH_FAIL, STALE_PASS }

    @Property(tries = 5_000)
    void neverInClearWithoutAnOpenUpgradeWindow(@ForAll("hosts") HostState source,
            @ForAll("hosts") HostState destination, @ForAll("policies") ClusterPolicy policy,
            @ForAll @IntRange(min = 0, max = 1) int bandwidthGiven) {
        MigrationPlan plan = negotiator.negotiate(source, destination, policy, NOW, bandwidthGiven == 1 ? 256 : null);

        boolean clear = plan.allowed() && (plan.mode() == MigrationMode.INSECURE
                || !(plan.flags().contains("TLS") || plan.flags().contains("TUNNELLED") || plan.proxyRoute() != null));
        if (clear) {
            assertThat(policy.windowOpen(NOW)).as("clear text only in an open upgrade window").isTrue();
            assertThat(plan.mode()).isEqualTo(MigrationMode.INSECURE);
            assertThat(plan.warning()).isTrue();
        }
        assertThat(plan.memoryInClear()).isEqualTo(clear);
        assertThat(plan.reasons()).isNotEmpty();
        // every parameter is one libvirt knows under that name, with a value of its type: the agent accepts it
        assertThat(MigrationParameters.fromWire(plan.parameters()).toWire()).isEqualTo(plan.parameters());
        assertThat(MigrationParameter.libvirtNames()).containsAll(plan.parameters().keySet());
        // libvirt refuses PARALLEL with TUNNELLED, and parallel.connections without PARALLEL
        if (plan.flags().contains("TUNNELLED")) {
            assertThat(plan.flags()).doesNotContain("PARALLEL");
        }
        assertThat(plan.parameters().containsKey("parallel.connections")).isEqualTo(plan.flags().contains("PARALLEL"));
        // a route exactly for the agents' proxy, and then QEMU and libvirt neither encrypt nor split the stream
        assertThat(plan.proxyRoute() != null).isEqualTo(plan.mode() == MigrationMode.TLS_AGENT_PROXY);
        if (plan.proxyRoute() != null) {
            assertThat(plan.flags()).doesNotContain("TLS", "TUNNELLED", "PARALLEL");
            assertThat(plan.parameters()).doesNotContainKeys("migrate_uri", "tls.destination", "parallel.connections");
        }
    }

    @Property(tries = 5_000)
    void modeFollowsTheArchitectureTable(@ForAll("hosts") HostState source, @ForAll("hosts") HostState destination,
            @ForAll("policies") ClusterPolicy policy) {
        MigrationPlan plan = negotiator.negotiate(source, destination, policy, NOW, null);
        boolean sameCluster = source.clusterId().equals(destination.clusterId());
        boolean bothTls = tlsReady(source) && tlsReady(destination);
        boolean bothSasl = saslReady(source) && saslReady(destination);

        MigrationMode expected;
        if (!sameCluster) {
            expected = null;
        } else if (bothTls && policy.agentTlsProxy() && source.migrationProxyPort() != null
                && destination.migrationProxyPort() != null) {
            expected = MigrationMode.TLS_AGENT_PROXY;
        } else if (bothTls) {
            expected = source.nativeTlsMigration() && destination.nativeTlsMigration() ? MigrationMode.TLS_NATIVE
                    : MigrationMode.TLS_TUNNELLED;
        } else if (bothSasl && policy.allowsSasl(NOW)) {
            expected = MigrationMode.SASL_TUNNELLED;
        } else if (policy.windowOpen(NOW)) {
            expected = MigrationMode.INSECURE;
        } else {
            expected = null;
        }
        assertThat(plan.mode()).isEqualTo(expected);
        assertThat(plan.allowed()).isEqualTo(expected != null);
        // the generators reach every row of the table, the agents' proxy included
        Statistics.label("mode").collect(expected == null ? "refused" : expected.name());
        Statistics.label("mode").coverage(coverage -> {
            for (MigrationMode mode : MigrationMode.values()) {
                coverage.check(mode.name()).count(n -> n > 0);
            }
        });
        if (expected == null) {
            return;
        }
        assertThat(plan.flags()).startsWith("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE");
        switch (expected) {
            case TLS_NATIVE -> {
                assertThat(plan.destinationUri()).isEqualTo("qemu+tls://" + destination.fqdn() + "/system");
                assertThat(plan.proxyRoute()).isNull();
                boolean parallel = source.multifdTls() && destination.multifdTls()
                        && !Integer.valueOf(1).equals(policy.parallelConnections());
                assertThat(plan.flags().contains("PARALLEL")).isEqualTo(parallel);
                if (parallel) {
                    assertThat(plan.parameters()).containsEntry("parallel.connections", String.valueOf(
                            policy.parallelConnections() == null ? Negotiator.DEFAULT_PARALLEL_CONNECTIONS
                                    : policy.parallelConnections()));
                }
                assertThat(plan.flags()).contains("TLS").doesNotContain("TUNNELLED");
                if (destination.migrationAddress() != null) {
                    assertThat(plan.parameters()).containsEntry("tls.destination", destination.fqdn())
                            .containsEntry("migrate_uri", "tcp://" + destination.migrationAddress());
                } else {
                    assertThat(plan.parameters()).doesNotContainKeys("tls.destination", "migrate_uri");
                }
            }
            case TLS_AGENT_PROXY -> {
                assertThat(plan.destinationUri()).isEqualTo("qemu+tls://" + destination.fqdn() + "/system");
                assertThat(plan.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE");
                assertThat(plan.parameters()).isEmpty();
                assertThat(plan.proxyRoute()).isEqualTo(new ProxyRoute(destination.migrationAddress() != null
                        ? destination.migrationAddress() : destination.fqdn(), destination.migrationProxyPort(),
                        destination.fqdn()));
                assertThat(plan.warning()).isFalse();
            }
            case TLS_TUNNELLED -> {
                assertThat(plan.destinationUri()).startsWith("qemu+tls://");
                assertThat(plan.flags()).contains("TUNNELLED").doesNotContain("TLS", "PARALLEL");
                assertThat(plan.warning()).isFalse();
            }
            case SASL_TUNNELLED -> {
                assertThat(plan.destinationUri()).isEqualTo("qemu+tcp://" + destination.fqdn() + "/system");
                assertThat(plan.flags()).contains("TUNNELLED").doesNotContain("PARALLEL");
                assertThat(plan.warning()).isTrue();
                assertThat(plan.reasons()).anyMatch(r -> r.startsWith("WARNING"));
            }
            case INSECURE -> {
                assertThat(plan.destinationUri()).startsWith("qemu+tcp://");
                assertThat(plan.flags()).doesNotContain("TLS", "TUNNELLED", "PARALLEL");
                assertThat(plan.reasons()).anyMatch(r -> r.contains("UNENCRYPTED"));
            }
        }
    }

    /** The oracle: TLS-ready as ARCHITECTURE.md defines it, written independently of the Negotiator. */
    static boolean tlsReady(HostState h) {
        boolean cert = h.certSerial() != null && h.certRevokedAt() == null && NOW.isBefore(h.certNotAfter())
                && !NOW.isBefore(h.certNotBefore())
                && h.certSerial().equals(h.appliedCertSerial());
        return cert && h.tlsListening() && postureOk(h);
    }

    /** A revoked host has lost the cluster's credential too (the revocation rotates it away). */
    static boolean saslReady(HostState h) {
        return h.saslListening() && h.credentialVersion() != null && h.certRevokedAt() == null && postureOk(h);
    }

    static boolean postureOk(HostState h) {
        return h.probedAt() != null && !h.probedAt().isBefore(NOW.minus(MAX_AGE)) && Boolean.TRUE.equals(h.postureAllPass());
    }

    @Provide
    Arbitrary<ClusterPolicy> policies() {
        Arbitrary<Integer> connections = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.integers().between(1, 16));
        return Combinators.combine(modes(), connections, Arbitraries.of(true, false))
                .as((p, n, proxy) -> new ClusterPolicy(p.mode(), p.windowExpiresAt(), n, proxy));
    }

    Arbitrary<ClusterPolicy> modes() {
        return Arbitraries.oneOf(
                Arbitraries.just(new ClusterPolicy(PolicyMode.REQUIRE_TLS, null)),
                Arbitraries.just(new ClusterPolicy(PolicyMode.ALLOW_SASL_FALLBACK, null)),
                Arbitraries.longs().between(-7 * 86_400, 7 * 86_400)
                        .map(s -> new ClusterPolicy(PolicyMode.UPGRADE_WINDOW, NOW.plusSeconds(s))),
                Arbitraries.just(new ClusterPolicy(PolicyMode.UPGRADE_WINDOW, NOW)),
                Arbitraries.just(new ClusterPolicy(PolicyMode.UPGRADE_WINDOW, NOW.plusMillis(1))));
    }

    @Provide
    Arbitrary<HostState> hosts() {
        // weighted towards TLS-ready hosts: uniform choices make a TLS-ready pair about 1 in 3000
        Arbitrary<Cert> cert = Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(6, Arbitraries.just(Cert.VALID)),
                net.jqwik.api.Tuple.of(6, Arbitraries.of(Cert.class)));
        Arbitrary<Posture> posture = Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(2, Arbitraries.just(Posture.FRESH_PASS)),
                net.jqwik.api.Tuple.of(3, Arbitraries.of(Posture.class)));
        Arbitrary<Boolean> bool = Arbitraries.of(true, false);
        Arbitrary<Boolean> mostlyTrue = Arbitraries.frequency(net.jqwik.api.Tuple.of(3, true),
                net.jqwik.api.Tuple.of(1, false));
        Arbitrary<String> cluster = Arbitraries.frequency(
                net.jqwik.api.Tuple.of(19, "c1"), net.jqwik.api.Tuple.of(1, "c2"));
        Arbitrary<Long> ageSeconds = Arbitraries.longs().between(0, 3 * 86_400);
        // the agent's migration proxy: often absent (older agents, disabled), else a port of the schema's range
        Arbitrary<Integer> proxyPort = Arbitraries.oneOf(Arbitraries.just(null), Arbitraries.integers().between(1024,
                65535));
        return Combinators.combine(cert, posture, mostlyTrue, bool, bool, bool, bool, cluster).flatAs(
                (c, p, tls, sasl, nativeTls, credential, migrationNet, clusterId) -> Combinators.combine(ageSeconds,
                        bool, proxyPort).as((age, multifdTls, port) -> host(c, p, tls, sasl, nativeTls, multifdTls,
                                port, credential, migrationNet, clusterId, age)));
    }

    static HostState host(Cert cert, Posture posture, boolean tls, boolean sasl, boolean nativeTls, boolean multifdTls,
            Integer proxyPort, boolean credential, boolean migrationNet, String cluster, long ageSeconds) {
        String serial = cert == Cert.NONE ? null : "0af3";
        Instant notBefore = cert == Cert.NOT_YET_VALID ? NOW.plusSeconds(60) : NOW.minusSeconds(86_400);
        Instant notAfter = cert == Cert.EXPIRED ? NOW.minusSeconds(1 + ageSeconds) : NOW.plusSeconds(86_400);
        Instant revoked = cert == Cert.REVOKED ? NOW.minusSeconds(ageSeconds) : null;
        String applied = cert == Cert.STALE_APPLIED ? "0af2" : cert == Cert.NOT_APPLIED ? null : serial;
        Instant probedAt = switch (posture) {
            case NONE -> null;
            case FRESH_PASS, FRESH_FAIL -> NOW.minusSeconds(ageSeconds % 180);
            case STALE_PASS -> NOW.minus(MAX_AGE).minusSeconds(1 + ageSeconds);
        };
        Boolean allPass = posture == Posture.NONE ? null : posture != Posture.FRESH_FAIL;
        String id = "h" + Math.abs((cert + "" + posture + tls + sasl + nativeTls).hashCode() % 1000);
        return new HostState(id, cluster, id + ".lab.test", migrationNet ? "10.78.0.2" : null, serial,
                notBefore, notAfter, revoked, applied, tls, sasl, nativeTls, multifdTls, proxyPort, credential ? 3 : null,
                allPass,
                posture == Posture.FRESH_FAIL ? "unauthenticated-tcp-refused" : null, probedAt, null);
    }
}
