package dev.virtgate.agent.it;

import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.SaslDb;
import dev.virtgate.agent.reconcile.SelfProbe;
import dev.virtgate.agent.reconcile.TcpPortPolicy;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.testsupport.trust.TestProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static dev.virtgate.agent.it.TestHost.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cluster policy decides libvirtd's ports and TLS authentication, on a REAL libvirtd: TCP 16509
 * only while the policy needs it (and closed by the agent itself when an upgrade window ends), and
 * SASL (SCRAM-SHA-256) on top of the client certificate when the policy puts SASL on TLS. Policies
 * reach the agent signed as migration-service signs them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class PolicyPortsIT {
    static final String HOST = "vgpp-h1";
    static final String FQDN = "vgpp-h1.lab.virtgate.test";
    static final String PASSWORD = "s3cret-Passw0rd_for-virtgate-v1";
    static final String OUTSIDER_PASSWORD = "0utsider-Passw0rd_not-allowed";
    static final String CONF = "etc/libvirt/libvirtd.conf";
    static final String SASL_CONF = "etc/sasl2/libvirt.conf";
    static final TestPki pki = new TestPki("virtgate-test");
    static TestHost host;
    static HostConfigured withCredential;

    @BeforeAll
    static void hostWithCertificateButNoPolicyYet() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs root, unshare and libvirtd");
        host = TestHost.start(HOST, FQDN, pki);
        host.passwords.put("virtgate/clusters/lab/libvirt-sasl#1", PASSWORD);
        host.agent.enroll("tok_" + "P".repeat(40));
        CertIssued own = pki.issue(HOST, "lab", FQDN, host.agent.hostKey().publicKey(), List.of("127.0.0.1"));
        host.configured(pki.pkiService().sign(own));
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    @Order(0)
    void beforeTheClusterCredentialNoSaslUserGetsInOverTls() throws Exception {
        assertThat(Files.readString(host.file(CONF))).contains("auth_tls = \"sasl\"",
                "sasl_allowed_username_list = [ ]");
        new SaslDb("saslpasswd2", host.file("etc/libvirt/passwd.db"), HOST).setPassword("operator", OUTSIDER_PASSWORD);
        assertThat(ownCertificateWith("early", TestHost.authFile("early", "operator", OUTSIDER_PASSWORD))).isFalse();
        withCredential = host.configured(pki.credentialService().sign(new CredentialRotated("lab", "rot-1",
                "virtgate-v1", 1, "virtgate/clusters/lab/libvirt-sasl", 1, CredentialPhase.ACTIVE, null, null,
                List.of("virtgate-v1"))));
    }

    @Test
    @Order(1)
    void withoutAPolicyTcpStaysClosedDespiteACredentialAndTheAgentsOwnChecksUseSaslOverTls() throws Exception {
        HostConfigured r = withCredential;
        assertThat(check(r, "apply").status()).as(r.posture().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(check(r, TcpPortPolicy.CHECK).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(r, SelfProbe.OWN_TLS).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(r, SelfProbe.FOREIGN_CA).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(r, SelfProbe.UNAUTH_TCP).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(r, SelfProbe.OWN_SASL).status()).isEqualTo(CheckStatus.SKIPPED);
        assertThat(check(r, SelfProbe.OWN_SASL).detail()).contains("REQUIRE_TLS");
        assertThat(r.tlsListening()).isTrue();
        assertThat(r.saslListening()).isFalse();
        assertThat(tcpOpen()).isFalse();
        assertThat(Files.readString(host.file(CONF))).contains("listen_tcp = 0", "auth_tls = \"sasl\"",
                "sasl_allowed_username_list = [ \"virtgate-v*\", \"virtgate-v*@" + HOST + "\" ]");
        assertThat(Files.readString(host.file(SASL_CONF))).contains("mech_list: scram-sha-256\n")
                .doesNotContain("digest-md5");
    }

    @Test
    @Order(2)
    void aValidCertificateWithAnAllowedDnNeedsTheScramCredentialOnTop() throws Exception {
        assertThat(ownCertificateWith("no-sasl", TestHost.authFile("no-sasl", null, null))).isFalse();
        assertThat(ownCertificateWith("wrong-sasl", TestHost.authFile("wrong-sasl", "virtgate-v1",
                "wrong-password-123"))).isFalse();
        assertThat(ownCertificateWith("scram", TestHost.authFile("scram", "virtgate-v1", PASSWORD))).isTrue();
    }

    @Test
    @Order(3)
    void aSaslUserOfTheDatabaseOutsideTheAllowedUsernamesIsRefusedOverTls() throws Exception {
        int logBefore = host.libvirtd.log().length(); // "operator": in the SASL db since the credential's absence
        assertThat(ownCertificateWith("outsider", TestHost.authFile("outsider", "operator", OUTSIDER_PASSWORD)))
                .isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(host.libvirtd.log().substring(logBefore))
                .contains("operator").contains("not allowed"));
        assertThat(ownCertificateWith("insider", TestHost.authFile("insider", "virtgate-v1", PASSWORD))).isTrue();
    }

    @Test
    @Order(4)
    void saslFallbackOpensTcpAndOnlyANewerPolicyOfThisClusterClosesIt() throws Exception {
        TestProducer.Signed fallback = pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.ALLOW_SASL_FALLBACK, null, true, 10, Instant.now()));
        HostConfigured open = host.configured(fallback);
        assertThat(check(open, "apply").detail()).as(open.posture().toString()).contains("libvirtd restarted");
        assertThat(tcpOpen()).isTrue();
        assertThat(open.saslListening()).isTrue();
        assertThat(check(open, SelfProbe.OWN_SASL).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(open, TcpPortPolicy.CHECK).status()).isEqualTo(CheckStatus.SKIPPED);
        assertThat(Files.readString(host.file(SASL_CONF))).contains("mech_list: digest-md5 scram-sha-256");
        assertThat(host.saslAccepts("fallback", "virtgate-v1", PASSWORD)).isTrue();
        assertThat(host.saslAccepts("fallback-wrong", "virtgate-v1", "wrong-password-123")).isFalse();

        // another cluster's policy and an older revision change nothing
        assertThat(host.receive(pki.migrationService().sign(new ClusterPolicyChanged("other",
                PolicyMode.REQUIRE_TLS, null, true, 99, Instant.now())))).isEmpty();
        assertThat(host.receive(pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.REQUIRE_TLS, null, true, 9, Instant.now())))).isEmpty();
        assertThat(tcpOpen()).isTrue();

        HostConfigured closed = host.configured(pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.REQUIRE_TLS, null, true, 11, Instant.now())));
        assertThat(tcpOpen()).isFalse();
        assertThat(check(closed, TcpPortPolicy.CHECK).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(closed, SelfProbe.OWN_SASL).status()).isEqualTo(CheckStatus.SKIPPED);
        assertThat(closed.saslListening()).isFalse();
        // the fallback replayed: already superseded
        assertThat(host.receive(fallback)).isEmpty();
        assertThat(tcpOpen()).isFalse();
        assertThat(host.agent.state().policy.revision()).isEqualTo(11);
    }

    @Test
    @Order(5)
    void aTcpPortOpenedByHandAgainstThePolicyIsAPostureFailure() throws Exception {
        Path conf = host.file(CONF);
        Files.writeString(conf, Files.readString(conf).replace("listen_tcp = 0", "listen_tcp = 1"));
        host.libvirtd.ctl("restart");
        HostConfigured r = host.agent.probeAndReport(false);
        assertThat(check(r, TcpPortPolicy.CHECK).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(check(r, TcpPortPolicy.CHECK).detail()).contains("REQUIRE_TLS");
        HostConfigured repaired = host.agent.applyAndReport();
        assertThat(check(repaired, TcpPortPolicy.CHECK).status()).isEqualTo(CheckStatus.PASS);
        assertThat(tcpOpen()).isFalse();
    }

    @Test
    @Order(6)
    void anUpgradeWindowOpensTcpAndTheAgentClosesItWhenTheWindowEndsWithoutAnotherEvent() throws Exception {
        Instant end = Instant.now().plusSeconds(18);
        HostConfigured open = host.configured(pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.UPGRADE_WINDOW, end, true, 12, Instant.now())));
        assertThat(check(open, "apply").status()).as(open.posture().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(tcpOpen()).isTrue();
        assertThat(host.saslAccepts("window", "virtgate-v1", PASSWORD)).isTrue();
        int reports = host.published.size();

        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> !tcpOpen());
        assertThat(Instant.now()).isAfterOrEqualTo(end);
        assertThat(Files.readString(host.file(CONF))).contains("listen_tcp = 0");
        assertThat(Files.readString(host.file(SASL_CONF))).doesNotContain("digest-md5");
        await().atMost(Duration.ofSeconds(30)).until(() -> host.published.size() > reports);
        HostConfigured closed = host.agent.lastReport();
        assertThat(check(closed, TcpPortPolicy.CHECK).status()).as(closed.posture().toString())
                .isEqualTo(CheckStatus.PASS);
        assertThat(host.saslAccepts("after-window", "virtgate-v1", PASSWORD)).isFalse();
    }

    @Test
    @Order(7)
    void aHostWhoseAccessWasWithdrawnStillFollowsThePolicyAndClosesTcp() throws Exception {
        host.configured(pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.ALLOW_SASL_FALLBACK, null, true, 13, Instant.now())));
        assertThat(tcpOpen()).isTrue();
        String authConf = Files.readString(host.file("etc/libvirt/auth.conf"));
        host.passwords.clear(); // a removed host: its AppRole is gone, OpenBao refuses it

        HostConfigured closed = host.configured(pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.REQUIRE_TLS, null, true, 14, Instant.now())));
        assertThat(check(closed, "apply").status()).as(closed.posture().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(check(closed, "credential-readable").status()).isEqualTo(CheckStatus.FAIL);
        assertThat(tcpOpen()).isFalse();
        assertThat(Files.readString(host.file(CONF))).contains("listen_tcp = 0");
        assertThat(Files.readString(host.file("etc/libvirt/auth.conf"))).isEqualTo(authConf);

        // and it does not open TCP again on a fallback it cannot take part in
        host.configured(pki.migrationService().sign(new ClusterPolicyChanged("lab",
                PolicyMode.ALLOW_SASL_FALLBACK, null, true, 15, Instant.now())));
        assertThat(tcpOpen()).isFalse();
    }

    static boolean tcpOpen() {
        return LibvirtdControl.portOpen("127.0.0.1", host.libvirtd.tcpPort());
    }

    static boolean ownCertificateWith(String name, Path authFile) throws Exception {
        return host.tlsAccepts(name, pki.caPem(), host.agent.state().certPem, host.agent.hostKey().privateKeyPem(),
                authFile);
    }
}
