package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.conf.SaslConf;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.PolicyMode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigRendererTest {

    @TempDir
    Path root;

    AgentConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>();
        m.put("host-id", "vg-h2");
        m.put("cluster-id", "lab");
        m.put("fqdn", "VG-H2.lab.virtgate.test");
        m.put("management-address", "198.18.42.12");
        m.put("paths.root", root.toString());
        m.put("openbao.url", "http://127.0.0.1:1");
        m.putAll(extra);
        return TestAgents.config(m);
    }

    ConfigRenderer renderer(AgentConfig config) {
        return new ConfigRenderer(config, new AgentPaths(config.paths()), "qemu");
    }

    static AgentState withCredential(String phase, int version, List<String> accepted) {
        AgentState s = new AgentState();
        s.credential = new AgentState.Credential("rot", "virtgate-v" + version, version, "secret/data/x", version, phase,
                version > 1 ? "virtgate-v" + (version - 1) : null, version > 1 ? version - 1 : null, accepted);
        return s;
    }

    static final Instant NOW = Instant.parse("2026-12-01T10:00:00Z");

    ConfigRenderer renderer(Instant now) {
        AgentConfig c = config(Map.of());
        return new ConfigRenderer(c, new AgentPaths(c.paths()), "qemu", Clock.fixed(now, ZoneOffset.UTC));
    }

    static AgentState under(AgentState s, PolicyMode mode, Instant windowExpiresAt, boolean saslOnTls) {
        s.policy = new ClusterPolicyChanged("lab", mode, windowExpiresAt, saslOnTls, 1, NOW.minusSeconds(60));
        s.hostUuid = "6f1c2a8e-0b7d-4c33-9a51-2e8f0c4d7b19";
        return s;
    }

    static AgentState credential() {
        return withCredential("ACTIVE", 1, List.of("virtgate-v1"));
    }

    /** listen_tcp, auth_tls, whether sasl_allowed_username_list is set, mech_list. */
    record Rendered(long listenTcp, String authTls, boolean usernameList, String mechs) {
    }

    Rendered render(AgentState s, Instant now) {
        ConfigRenderer r = renderer(now);
        LibvirtConf conf = LibvirtConf.parse(r.libvirtdConf(s));
        assertThat(conf.get("auth_tcp")).contains(new ConfValue.Str("sasl"));
        return new Rendered(((ConfValue.Int) conf.get("listen_tcp").orElseThrow()).value(),
                ((ConfValue.Str) conf.get("auth_tls").orElseThrow()).value(),
                conf.get("sasl_allowed_username_list").isPresent(),
                SaslConf.parse(r.saslConf(s)).get("mech_list").orElseThrow());
    }

    /** libvirt refuses a migration without QEMU's TLS flag under migrate_tls_force; a proxied one has none. */
    @Test
    void qemuTlsIsForcedUnlessTheHostOffersItsProxyAndTheClusterOptedIn() {
        AgentState optedIn = under(credential(), PolicyMode.REQUIRE_TLS, null, true);
        optedIn.policy = new ClusterPolicyChanged("lab", PolicyMode.REQUIRE_TLS, null, true, 2, NOW, true);
        AgentState notOptedIn = under(credential(), PolicyMode.REQUIRE_TLS, null, true);
        AgentConfig enabled = config(Map.of("migration-proxy.enabled", "true"));
        AgentConfig disabled = config(Map.of("migration-proxy.enabled", "false"));
        assertThat(tlsForce(enabled, optedIn)).isEqualTo(new ConfValue.Int(0));
        assertThat(tlsForce(enabled, notOptedIn)).isEqualTo(new ConfValue.Int(1));
        assertThat(tlsForce(disabled, optedIn)).isEqualTo(new ConfValue.Int(1));
        assertThat(tlsForce(enabled, credential())).as("no policy yet").isEqualTo(new ConfValue.Int(1));
    }

    ConfValue tlsForce(AgentConfig config, AgentState s) {
        return LibvirtConf.parse(renderer(config).qemuConf(s)).get("migrate_tls_force").orElseThrow();
    }

    @Test
    void withoutAnyPolicyTcpIsClosedAndSaslRidesOnTls() {
        AgentState s = credential();
        s.hostUuid = "6f1c2a8e-0b7d-4c33-9a51-2e8f0c4d7b19";
        assertThat(render(s, NOW)).isEqualTo(new Rendered(0, "sasl", true, "scram-sha-256"));
    }

    @Test
    void requireTlsClosesTcpEvenWithACredential() {
        assertThat(render(under(credential(), PolicyMode.REQUIRE_TLS, null, true), NOW))
                .isEqualTo(new Rendered(0, "sasl", true, "scram-sha-256"));
    }

    @Test
    void saslFallbackOpensTcpWithDigestMd5OnlyWithACredential() {
        assertThat(render(under(credential(), PolicyMode.ALLOW_SASL_FALLBACK, null, true), NOW))
                .isEqualTo(new Rendered(1, "sasl", true, "digest-md5 scram-sha-256"));
        assertThat(render(under(credential(), PolicyMode.ALLOW_SASL_FALLBACK, null, false), NOW))
                .isEqualTo(new Rendered(1, "none", true, "digest-md5"));
        assertThat(render(under(new AgentState(), PolicyMode.ALLOW_SASL_FALLBACK, null, true), NOW))
                .isEqualTo(new Rendered(0, "sasl", true, "scram-sha-256"));
    }

    @Test
    void anUpgradeWindowOpensTcpUntilItExpires() {
        AgentState s = under(credential(), PolicyMode.UPGRADE_WINDOW, NOW.plusSeconds(20), true);
        assertThat(render(s, NOW).listenTcp()).isEqualTo(1);
        assertThat(render(s, NOW.plusSeconds(20))).isEqualTo(new Rendered(0, "sasl", true, "scram-sha-256"));
        assertThat(render(under(credential(), PolicyMode.UPGRADE_WINDOW, null, true), NOW).listenTcp()).isZero();
    }

    @Test
    void withoutSaslOnTlsOrTcpTheCertificateAloneAuthenticatesAndMechListIsNeverEmpty() {
        assertThat(render(under(credential(), PolicyMode.REQUIRE_TLS, null, false), NOW))
                .isEqualTo(new Rendered(0, "none", false, "scram-sha-256"));
    }

    @Test
    void tcpIsEnabledOnlyWhereThePolicyNeedsIt() {
        Instant later = NOW.plus(Duration.ofHours(1));
        assertThat(ConfigRenderer.tcpEnabled(under(credential(), PolicyMode.UPGRADE_WINDOW, later, true), NOW)).isTrue();
        assertThat(ConfigRenderer.tcpEnabled(under(credential(), PolicyMode.UPGRADE_WINDOW, later, true), later))
                .isFalse();
        assertThat(ConfigRenderer.tcpEnabled(credential(), NOW)).isFalse();
    }

    @Test
    void aHostTheBusRefusesKeepsTcpClosedWhateverTheLastPolicySaid() {
        AgentState s = under(credential(), PolicyMode.ALLOW_SASL_FALLBACK, null, true);
        assertThat(ConfigRenderer.tcpEnabled(s, NOW)).isTrue();
        s.busAccessLost = true; // revoked or decommissioned: newer policies and credentials cannot reach it
        assertThat(ConfigRenderer.tcpEnabled(s, NOW)).isFalse();
    }

    @Test
    void aCredentialThatCannotBeReadKeepsTcpClosedAndEverythingElseApplies() {
        AgentState s = under(credential(), PolicyMode.ALLOW_SASL_FALLBACK, null, true);
        s.certPem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
        s.caBundlePem = List.of(s.certPem);
        List<FileSpec> readable = renderer(NOW).render(s, "key", (path, version) -> "Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZg");
        assertThat(readable).anyMatch(f -> f.path().endsWith("auth.conf"));
        assertThat(libvirtdConf(readable)).contains("listen_tcp = 1");

        // access withdrawn (a removed host): no exception, no auth.conf, TCP closed although the policy allows it
        List<FileSpec> withdrawn = renderer(NOW).render(s, "key", (path, version) -> {
            throw new IllegalStateException("OpenBao POST auth/approle/login answered 400");
        });
        assertThat(withdrawn).noneMatch(f -> f.path().endsWith("auth.conf"));
        assertThat(libvirtdConf(withdrawn)).contains("listen_tcp = 0");
    }

    private static String libvirtdConf(List<FileSpec> files) {
        return files.stream().filter(f -> f.path().endsWith("libvirtd.conf"))
                .map(f -> new String(f.content(), java.nio.charset.StandardCharsets.UTF_8)).findFirst().orElseThrow();
    }

    @Test
    void realmDefaultsToTheLowerCasedFqdnAsLibvirtUsesIt() {
        assertThat(renderer(config(Map.of())).realm()).isEqualTo("vg-h2.lab.virtgate.test");
        assertThat(renderer(config(Map.of("sasl-realm", "other.example"))).realm()).isEqualTo("other.example");
    }

    @Test
    void aRotationDoesNotChangeTheAllowedUsernamesSoLibvirtdIsNotRestarted() {
        ConfigRenderer r = renderer(config(Map.of()));
        List<String> v1 = r.allowedUsers(withCredential("ACTIVE", 1, List.of("virtgate-v1")));
        List<String> staged = r.allowedUsers(withCredential("STAGED", 2, List.of("virtgate-v1", "virtgate-v2")));
        List<String> retired = r.allowedUsers(withCredential("RETIRED", 2, List.of("virtgate-v2")));
        assertThat(v1).containsExactly("virtgate-v*", "virtgate-v*@vg-h2.lab.virtgate.test");
        assertThat(staged).isEqualTo(v1);
        assertThat(retired).isEqualTo(v1);
    }

    @Test
    void anUnversionedUsernameIsListedAsItIs() {
        assertThat(renderer(config(Map.of())).allowedUsers(withCredential("ACTIVE", 1, List.of("operator"))))
                .containsExactly("operator", "operator@vg-h2.lab.virtgate.test");
    }

    @Test
    void aRevokedOwnCertificateIsNoPostureFailure() {
        AgentConfig c = config(Map.of());
        SelfProbe probe = new SelfProbe(c, new AgentPaths(c.paths()), null);
        AgentState s = new AgentState();
        s.certPem = "x";
        s.ownCertRevoked = true;
        assertThat(probe.certificate(s).status()).isEqualTo(CheckStatus.SKIPPED);
    }
}
