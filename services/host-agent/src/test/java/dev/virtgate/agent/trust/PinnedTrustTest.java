package dev.virtgate.agent.trust;

import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.agent.it.TestPki;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.trust.TestProducer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The agent's pinned trust, event by event through its verifying entry point, against libvirt's
 * test driver (the files are written under a temporary root; the real libvirtd is in the ITs):
 * which CAs it keeps, which certificates and CRLs it takes, and what a restart keeps of it.
 */
class PinnedTrustTest {
    static final String HOST = "pt-h1";
    static final String FQDN = "pt-h1.lab.virtgate.test";
    final TestPki pki = new TestPki("virtgate-pt");
    final TestPki intruder = new TestPki("intruder");

    @TempDir
    Path root;

    Map<String, String> settings;
    AgentService agent;

    @BeforeEach
    void agent() throws Exception {
        settings = new HashMap<>();
        settings.put("host-id", HOST);
        settings.put("cluster-id", "lab");
        settings.put("fqdn", FQDN);
        settings.put("management-address", "127.0.0.1");
        settings.put("migration-address", "198.51.100.30");
        settings.put("libvirt-uri", "test:///default");
        settings.put("tcp-port", Integer.toString(Net.freePort()));
        settings.put("tls-port", Integer.toString(Net.freePort()));
        settings.put("paths.root", root.toString());
        settings.put("libvirtd.restart-command", "false"); // no libvirtd to restart: the apply fails fast
        settings.put("openbao.url", "http://127.0.0.1:1");
        settings.put("ca-fingerprint", pki.fingerprint());
        Files.createDirectories(root.resolve("var/lib/virtgate-agent"));
        agent = newAgent();
    }

    AgentService newAgent() {
        var config = TestAgents.config(settings);
        return new AgentService(config, e -> { }, (path, v) -> "unused-password", (p, s) -> false, (g, k) -> { },
                new LibvirtdControl(config));
    }

    Optional<Event> receive(TestProducer.Signed event) {
        return agent.receive(event.headers(), event.payload());
    }

    CertIssued own(List<String> bundle) {
        X509Certificate cert = pki.hostCertificate(HOST, "lab", FQDN, agent.hostKey().publicKey(), List.of());
        return pki.certIssued(HOST, "lab", cert, bundle);
    }

    static PostureCheck check(Optional<Event> answer, String name) {
        return ((HostConfigured) answer.orElseThrow()).posture().stream().filter(c -> c.name().equals(name))
                .findFirst().orElseThrow();
    }

    @Test
    void onlyThePinnedCaIsKeptFromTheFirstBundle() {
        receive(pki.pkiService().sign(own(List.of(intruder.caPem(), pki.caPem()))));
        assertThat(agent.state().caBundlePem).containsExactly(pki.caPem());
        assertThat(agent.state().certPem).isNotNull();
    }

    @Test
    void aCaThatOnlyClaimsThePinnedNameIsNotTrusted() throws Exception {
        TestPki lookalike = new TestPki("virtgate-pt"); // same subject, another key
        CertIssued cert = lookalike.certIssued(HOST, "lab", lookalike.hostCertificate(HOST, "lab", FQDN,
                agent.hostKey().publicKey(), List.of()), List.of(lookalike.caPem()));
        // nothing verifies lookalike's pki-service before the pin: kept, and dropped once the real CA is pinned
        assertThat(receive(lookalike.pkiService().sign(cert))).isEmpty();
        assertThat(agent.state().certPem).isNull();
        receive(pki.pkiService().sign(own(List.of(pki.caPem()))));
        assertThat(agent.state().caBundlePem).containsExactly(pki.caPem());
        Pem.certificate(agent.state().certPem).verify(pki.ca.getPublicKey()); // the pinned CA's, not the lookalike's
        assertThat(root.resolve("var/lib/virtgate-agent/until-pinned")).isEmptyDirectory();
    }

    @Test
    void aCertificateFromTheFutureIsRefused() {
        X509Certificate future = pki.hostCertificateFrom(Instant.now().plus(Duration.ofMinutes(10)), HOST, "lab", FQDN,
                agent.hostKey().publicKey());
        var answer = receive(pki.pkiService().sign(pki.certIssued(HOST, "lab", future, List.of(pki.caPem()))));
        assertThat(check(answer, TrustState.OWN_CERT_CHECK).detail()).contains("in the future");
        assertThat(agent.state().certPem).isNull();
    }

    @Test
    void aCertificateOlderThanTheAppliedOneIsRefused() {
        CertIssued current = own(List.of(pki.caPem()));
        receive(pki.pkiService().sign(current));
        X509Certificate older = pki.hostCertificateFrom(Instant.now().minus(Duration.ofHours(2)), HOST, "lab", FQDN,
                agent.hostKey().publicKey());
        var answer = receive(pki.pkiService().sign(pki.certIssued(HOST, "lab", older, List.of(pki.caPem()))));
        assertThat(check(answer, TrustState.OWN_CERT_CHECK).detail()).contains("older than the applied");
        assertThat(agent.state().certSerial).isEqualTo(current.serial());
    }

    @Test
    void aCrlAppliesOnlyWithAHigherNumberFromAPinnedCaAndThatSurvivesARestart() {
        receive(pki.pkiService().sign(own(List.of(pki.caPem()))));
        X509Certificate peer = pki.hostCertificate("pt-h2", "lab", "pt-h2.lab.virtgate.test",
                HostKey.generate().getPublic(), List.of());
        String five = pki.crl(5, List.of(BigInteger.TEN));
        receive(pki.pkiService().sign(pki.revoked("pt-h2", "lab", peer, five)));
        String applied = agent.state().crlPem;
        assertThat(applied).isNotNull();

        receive(pki.pkiService().sign(pki.revoked("pt-h2", "lab", peer, pki.crl(3, List.of()))));
        receive(pki.pkiService().sign(pki.revoked("pt-h2", "lab", peer, pki.crl(5, List.of()))));
        assertThat(agent.state().crlPem).isEqualTo(applied);
        var foreign = receive(pki.pkiService().sign(pki.revoked("pt-h2", "lab", peer, intruder.crl(9, List.of()))));
        assertThat(check(foreign, TrustState.CRL_CHECK).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(agent.state().crlPem).isEqualTo(applied);

        agent = newAgent();
        receive(pki.pkiService().sign(pki.revoked("pt-h2", "lab", peer, pki.crl(4, List.of()))));
        assertThat(agent.state().crlPem).isEqualTo(applied);
        receive(pki.pkiService().sign(pki.revoked("pt-h2", "lab", peer, pki.crl(6, List.of()))));
        assertThat(agent.state().crlPem).isNotEqualTo(applied);
    }

    @Test
    void aPeerDnComesFromItsCertificateNotFromTheEvent() {
        X509Certificate cert = pki.hostCertificate("pt-h2", "lab", "pt-h2.lab.virtgate.test",
                HostKey.generate().getPublic(), List.of());
        CertIssued genuine = pki.certIssued("pt-h2", "lab", cert, List.of(pki.caPem()));
        CertIssued lying = new CertIssued("pt-h2", "lab", genuine.serial(), genuine.subjectDn(),
                "O=virtgate,OU=lab,CN=anyone.lab.virtgate.test", genuine.certificatePem(), genuine.chainPem(),
                genuine.caBundlePem(), genuine.notBefore(), genuine.notAfter(), genuine.reason());
        receive(pki.pkiService().sign(lying));
        assertThat(agent.state().peerDns).containsEntry("pt-h2", "O=virtgate,OU=lab,CN=pt-h2.lab.virtgate.test");
    }

    @Test
    void aPeerCertificateNamingAnotherHostIsNotAllowed() {
        X509Certificate cert = pki.hostCertificate("pt-h3", "lab", "pt-h3.lab.virtgate.test",
                HostKey.generate().getPublic(), List.of());
        receive(pki.pkiService().sign(pki.certIssued("pt-h2", "lab", cert, List.of(pki.caPem()))));
        assertThat(agent.state().peerDns).isEmpty();
    }
}
