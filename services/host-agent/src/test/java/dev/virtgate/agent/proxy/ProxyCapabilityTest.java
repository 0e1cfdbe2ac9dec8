package dev.virtgate.agent.proxy;

import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.agent.it.TestPki;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.trust.TestProducer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent offers TLS_AGENT_PROXY (migrationProxyPort in HostEnrolled and HostConfigured) exactly
 * while its proxy listens (enabled, and the host has a certificate) and its cluster opted in (only then
 * does it turn libvirt's migrate_tls_force off: ConfigRendererTest).
 */
class ProxyCapabilityTest {
    static final String HOST = "pc-h1";
    static final String FQDN = "pc-h1.lab.virtgate.test";
    final TestPki pki = new TestPki("virtgate-pc");

    @TempDir
    Path root;

    final int disabledPort = Net.freePort();

    AgentService agent(boolean enabled) throws Exception {
        Map<String, String> s = new HashMap<>();
        s.put("host-id", HOST);
        s.put("cluster-id", "lab");
        s.put("fqdn", FQDN);
        s.put("management-address", "127.0.0.1");
        s.put("libvirt-uri", "test:///default");
        s.put("tcp-port", Integer.toString(Net.freePort()));
        s.put("tls-port", Integer.toString(Net.freePort()));
        s.put("paths.root", root.toString());
        s.put("libvirtd.restart-command", "false");
        s.put("openbao.url", "http://127.0.0.1:1");
        s.put("ca-fingerprint", pki.fingerprint());
        s.put("migration-proxy.enabled", Boolean.toString(enabled));
        if (!enabled) {
            s.put("migration-proxy.port", Integer.toString(disabledPort));
        }
        Files.createDirectories(root.resolve("var/lib/virtgate-agent"));
        var config = TestAgents.config(s);
        return new AgentService(config, e -> { }, (path, v) -> "unused-password", (p, sig) -> false, (g, k) -> { },
                new LibvirtdControl(config));
    }

    X509Certificate cert;

    HostConfigured certify(AgentService agent) {
        cert = pki.hostCertificate(HOST, "lab", FQDN, agent.hostKey().publicKey(), List.of());
        return receive(agent, pki.pkiService().sign(pki.certIssued(HOST, "lab", cert, List.of(pki.caPem()))));
    }

    HostConfigured policy(AgentService agent, long revision, boolean agentTlsProxy) {
        return receive(agent, pki.migrationService().sign(new ClusterPolicyChanged("lab", PolicyMode.REQUIRE_TLS, null,
                true, revision, Instant.now(), agentTlsProxy)));
    }

    static HostConfigured receive(AgentService agent, TestProducer.Signed signed) {
        return (HostConfigured) agent.receive(signed.headers(), signed.payload()).orElseThrow();
    }

    @Test
    void thePortIsOfferedOnceTheHostHasACertificateAndAPeerCanHandshakeThere() throws Exception {
        AgentService agent = agent(true);
        HostEnrolled enrolled = agent.enroll("pc_enrollment_token_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
        assertThat(enrolled.capabilities().migrationProxyPort()).as("no certificate yet: not offered").isNull();

        assertThat(certify(agent).migrationProxyPort()).as("the cluster has not opted in").isNull();
        HostConfigured report = policy(agent, 1, true);
        assertThat(report.migrationProxyPort()).isNotNull().isEqualTo(agent.migrationProxyPort());

        ProxyCredentials peer = ProxyHosts.credentials(pki, "pc-h2.lab.virtgate.test", "lab", Set.of());
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", report.migrationProxyPort()), 10_000);
        try (SSLSocket tls = ProxyTls.client(plain, FQDN, peer)) {
            tls.startHandshake(); // the agent's own certificate, naming its FQDN
            assertThat(ProxyTls.checkPeer(tls, peer).getSubjectX500Principal().getName())
                    .isEqualTo("CN=" + FQDN + ",OU=lab,O=virtgate");
        }
        assertThat(policy(agent, 2, false).migrationProxyPort()).as("opted out again").isNull();
    }

    @Test
    void aRevokedHostStopsOfferingIt() throws Exception {
        AgentService agent = agent(true);
        certify(agent);
        int port = policy(agent, 1, true).migrationProxyPort();
        HostConfigured report = receive(agent, pki.pkiService().sign(pki.revoked(HOST, "lab", cert,
                pki.crl(2, List.of(cert.getSerialNumber())))));
        assertThat(report.migrationProxyPort()).isNull();
        assertThat(Net.accepts("127.0.0.1", port)).as("the listener is closed").isFalse();
    }

    @Test
    void aDisabledProxyIsNeverOffered() throws Exception {
        AgentService agent = agent(false);
        certify(agent);
        assertThat(policy(agent, 1, true).migrationProxyPort()).isNull();
        assertThat(agent.migrationProxyPort()).isNull();
        assertThat(Net.accepts("127.0.0.1", disabledPort)).as("nothing listens").isFalse();
    }
}
