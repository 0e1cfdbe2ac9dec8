package dev.virtgate.agent.it;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.libvirt.LibvirtClient;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.reconcile.SelfProbe;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.SignedEvent;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.testsupport.trust.TestCsr;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.libvirt.Connect;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static dev.virtgate.agent.it.TestHost.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The agent against a REAL libvirtd (private namespace, see {@link PrivateLibvirtd}). Every event
 * goes through the agent's verifying entry point, signed as pki-service and credential-service
 * sign theirs ({@link TestPki}, which stands in for pki-service's CA).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtdLockdownIT {
    static final String HOST = "vgit-h1";
    static final String FQDN = "vgit-h1.lab.virtgate.test";
    static final String TOKEN = "tok_" + "A".repeat(40);
    static final String PASSWORD = "s3cret-Passw0rd_for-virtgate-v1";
    static final TestPki pki = new TestPki("virtgate-test");
    static TestHost host;
    static AgentService agent;
    static PrivateLibvirtd libvirtd;

    @BeforeAll
    static void startLibvirtd() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs root, unshare and libvirtd");
        host = TestHost.start(HOST, FQDN, pki);
        host.passwords.put("virtgate/clusters/lab/libvirt-sasl#1", PASSWORD);
        host.policy(PolicyMode.ALLOW_SASL_FALLBACK, null, true); // SASL over TCP too (PolicyPortsIT: the default)
        agent = host.agent;
        libvirtd = host.libvirtd;
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    @Order(1)
    void enrollmentDiscoversCapabilitiesAndKeepsKeyAndTokenLocal() throws Exception {
        HostEnrolled e = agent.enroll(TOKEN);
        assertThat(e.capabilities().libvirtVersion()).isEqualTo("9.0.0");
        assertThat(e.capabilities().qemuVersion()).startsWith("7.2");
        assertThat(e.capabilities().nativeTlsMigration()).isTrue();
        assertThat(e.capabilities().tlsReloadSupported()).isTrue();
        assertThat(e.capabilities().saslMechanisms()).contains("DIGEST-MD5", "SCRAM-SHA-256");
        assertThat(e.capabilities().listeners()).anyMatch(l -> l.startsWith("tcp://127.0.0.1") && l.endsWith("auth=none"));
        assertThat(e.csrPem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        assertThat(host.mode("var/lib/virtgate-agent/host-key.pem")).isEqualTo("rw-------");
        // on the bus: a proof bound to the CSR, signed by the CSR's key; never the token
        SignedEvent published = host.published.get(0);
        assertThat(new String(published.payload(), StandardCharsets.UTF_8)).doesNotContain(TOKEN);
        assertThat(EnrollmentKey.verify(EnrollmentKey.fromToken(HOST, TOKEN).publicKey(), e.enrollmentProof(), HOST,
                "lab", FQDN, e.csrPem())).isTrue();
        assertThat(new EventVerifier(TrustAnchors.of(List.of())).verify(published.envelope(), published.headers(),
                published.payload(), e)).isEqualTo(Producer.enrollingHost(HOST));
        // before a certificate the posture is only logged: nothing could verify a report
        assertThat(agent.probeAndReport(false).posture()).isNotEmpty();
        assertThat(host.published).hasSize(1);
    }

    @Test
    @Order(2)
    void applyLocksLibvirtdDown() throws Exception {
        KeyPair peerKey = HostKey.generate();
        CertIssued peer = pki.issue("vgit-h2", "lab", "vgit-h2.lab.virtgate.test", peerKey.getPublic(), List.of("127.0.0.2"));
        // verified before the first own certificate: pki-service's chain ends in the pinned CA the bundle carries
        assertThat(host.receive(pki.pkiService().sign(peer))).isEmpty(); // remembered; nothing to apply yet
        CertIssued cert = pki.issue(HOST, "lab", FQDN, agent.hostKey().publicKey(), List.of("127.0.0.1"));
        HostConfigured afterCert = host.configured(pki.pkiService().sign(cert));
        assertThat(check(afterCert, "apply").status()).as(afterCert.posture().toString()).isEqualTo(CheckStatus.PASS);
        host.configured(pki.pkiService().sign(pki.crlPublished(1, List.of()))); // pki-service's CRL: crl-fresh passes
        HostConfigured r = host.configured(pki.credentialService().sign(credential(1, CredentialPhase.ACTIVE, null,
                List.of("virtgate-v1"))));
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
        assertThat(r.tlsListening()).isTrue();
        assertThat(r.saslListening()).isTrue();
        assertThat(r.appliedCertSerial()).isEqualTo(cert.serial());
        assertThat(r.credentialVersion()).isEqualTo(1);

        String conf = Files.readString(host.file("etc/libvirt/libvirtd.conf"));
        assertThat(conf).contains("unix_sock_group = \"root\"", "# an operator's own setting the agent must keep")
                .contains("auth_tcp = \"sasl\"", "listen_tls = 1", "listen_addr = \"127.0.0.1\"")
                .contains("tls_allowed_dn_list = [ \"O=virtgate,OU=lab,CN=vgit-h1.lab.virtgate.test\", "
                        + "\"O=virtgate,OU=lab,CN=vgit-h2.lab.virtgate.test\" ]")
                .doesNotContain("auth_tcp = \"none\"");
        assertThat(host.mode("etc/pki/libvirt/private/serverkey.pem")).isEqualTo("rw-------");
        assertThat(host.mode("etc/pki/libvirt/private/clientkey.pem")).isEqualTo("rw-------");
        assertThat(host.mode("etc/libvirt/auth.conf")).isEqualTo("rw-------");
        assertThat(host.mode("etc/pki/qemu/server-key.pem")).isEqualTo("rw-r-----");
        assertThat(Files.readAttributes(host.file("etc/pki/qemu/server-key.pem"), PosixFileAttributes.class)
                .group().getName()).isIn("qemu", "libvirt-qemu", "root");
        assertThat(Files.readString(host.file("etc/libvirt/qemu.conf")))
                .contains("migrate_tls_force = 1", "migrate_tls_x509_verify = 1", "migration_address = \"198.51.100.10\"",
                        "user = \"root\"");
        assertThat(Files.readString(host.file("etc/pki/CA/cacert.pem"))).isEqualTo(pki.caPem());
        // what the agent reports now verifies as this host's, with the certificate it just got
        SignedEvent report = host.published.get(host.published.size() - 1);
        assertThat(new EventVerifier(TrustAnchors.of(List.of(pki.ca))).verify(report.envelope(), report.headers(),
                report.payload(), r)).isEqualTo(Producer.host(HOST));
    }

    @Test
    @Order(3)
    void tcpWithoutCredentialsFailsAndWithThemSucceeds() {
        String tcp = "qemu+tcp://127.0.0.1:" + libvirtd.tcpPort() + "/system";
        assertThat(LibvirtClient.attempt(LibvirtClient.withAuthFile(tcp, TestHost.authFile("none", null, null)))
                .connected()).isFalse();
        assertThat(host.saslAccepts("wrong", "virtgate-v1", "wrong-password-123")).isFalse();
        assertThat(host.saslAccepts("right", "virtgate-v1", PASSWORD)).isTrue();
    }

    @Test
    @Order(4)
    void tlsWithIssuedCertSucceedsForeignCaAndUnlistedDnFail() throws Exception {
        assertThat(host.tlsAccepts("own", pki.caPem(), agent.state().certPem, agent.hostKey().privateKeyPem())).isTrue();

        TestPki foreign = new TestPki("intruder");
        KeyPair k = HostKey.generate();
        var fcert = foreign.hostCertificate(HOST, "lab", FQDN, k.getPublic(), List.of());
        assertThat(host.tlsAccepts("foreign", pki.caPem() + foreign.caPem(), Pem.encode(fcert),
                Pem.encode(k.getPrivate()))).isFalse();

        KeyPair u = HostKey.generate();
        var unlisted = pki.hostCertificate("vgit-x", "lab", "unlisted.lab.virtgate.test", u.getPublic(), List.of());
        assertThat(host.tlsAccepts("unlisted", pki.caPem(), Pem.encode(unlisted), Pem.encode(u.getPrivate()))).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(libvirtd.log())
                .contains("Failed to verify peer's certificate")
                .contains("is not on the list of allowed clients"));
    }

    @Test
    @Order(5)
    void certificateReloadKeepsAnOpenConnection() throws Exception {
        String pid = libvirtd.ctl("pid");
        Connect open = new Connect(LibvirtClient.withAuthFile(host.tlsUri(host.pkiDir("reload", pki.caPem(),
                agent.state().certPem, agent.hostKey().privateKeyPem())), host.clusterCredential("reload")),
                LibvirtClient.fromAuthFileOnly(), 0);
        try {
            CertIssued renewed = pki.issue(HOST, "lab", FQDN, agent.hostKey().publicKey(), List.of("127.0.0.1"));
            HostConfigured r = host.configured(pki.pkiService().sign(renewed));
            assertThat(check(r, "apply").detail()).contains("reloaded without restart");
            assertThat(r.appliedCertSerial()).isEqualTo(renewed.serial());
            assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
            assertThat(open.getLibVersion()).isEqualTo(9_000_000L);
            assertThat(libvirtd.ctl("pid")).isEqualTo(pid);
        } finally {
            open.close();
        }
    }

    @Test
    @Order(6)
    void certificateForAnotherKeyIsRefused() throws Exception {
        byte[] before = host.bytes("etc/pki/libvirt/servercert.pem");
        CertIssued wrong = pki.issue(HOST, "lab", FQDN, HostKey.generate().getPublic(), List.of("127.0.0.1"));
        HostConfigured r = host.configured(pki.pkiService().sign(wrong));
        assertThat(check(r, "certificate-matches-key").status()).isEqualTo(CheckStatus.FAIL);
        assertThat(host.bytes("etc/pki/libvirt/servercert.pem")).isEqualTo(before);
    }

    @Test
    @Order(7)
    void injectionInAPeerCertificateSubjectIsRejectedBeforeAnythingIsWritten() throws Exception {
        byte[] before = host.bytes("etc/libvirt/libvirtd.conf");
        for (String evil : List.of("x\", \"*", "*", "a,b", "a\nauth_tcp = \"none\"")) {
            X500Name subject = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.O, "virtgate")
                    .addRDN(BCStyle.OU, "lab").addRDN(BCStyle.CN, evil).build();
            CertIssued evilCert = pki.certIssued("vgit-h3", "lab",
                    pki.hostCertificate("vgit-h3", subject, HostKey.generate().getPublic()), List.of(pki.caPem()));
            // the event's own DN fields look harmless: the agent takes the DN from the certificate
            CertIssued bad = new CertIssued(evilCert.hostId(), evilCert.clusterId(), evilCert.serial(),
                    "CN=vgit-h3.lab.virtgate.test,OU=lab,O=virtgate", "O=virtgate,OU=lab,CN=vgit-h3.lab.virtgate.test",
                    evilCert.certificatePem(), evilCert.chainPem(), evilCert.caBundlePem(), evilCert.notBefore(),
                    evilCert.notAfter(), evilCert.reason());
            assertThatThrownBy(() -> host.receive(pki.pkiService().sign(bad)))
                    .isInstanceOf(ConfigRejectedException.class).hasMessageNotContaining("auth_tcp");
        }
        assertThat(host.bytes("etc/libvirt/libvirtd.conf")).isEqualTo(before);
    }

    @Test
    @Order(8)
    void driftIsDetectedThenRepaired() throws Exception {
        Path conf = host.file("etc/libvirt/libvirtd.conf");
        Files.writeString(conf, Files.readString(conf).replace("auth_tcp = \"sasl\"", "auth_tcp = \"none\""));
        libvirtd.ctl("restart"); // the operator restarts libvirtd with the hand edit
        HostConfigured detected = agent.probeAndReport(true); // policy: report only
        assertThat(check(detected, SelfProbe.CONFIG).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(check(detected, SelfProbe.UNAUTH_TCP).status()).isEqualTo(CheckStatus.FAIL);

        Map<String, String> repairing = new HashMap<>(host.settings);
        repairing.put("repair-drift", "true");
        AgentService repairer = host.newAgent(repairing);
        HostConfigured repaired = repairer.probeAndReport(true);
        assertThat(repaired.posture()).as(repaired.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
        assertThat(Files.readString(conf)).contains("auth_tcp = \"sasl\"").doesNotContain("auth_tcp = \"none\"");
        agent = host.agent = repairer;
    }

    @Test
    @Order(9)
    void libvirtdDownIsRetriedWithBackoffAndNothingIsWritten() throws Exception {
        Path conf = host.file("etc/libvirt/libvirtd.conf");
        libvirtd.ctl("stop");
        CertIssued peer = pki.issue("vgit-h4", "lab", "vgit-h4.lab.virtgate.test", HostKey.generate().getPublic(), List.of());
        HostConfigured r = host.configured(pki.pkiService().sign(peer));
        assertThat(check(r, "apply").status()).isEqualTo(CheckStatus.FAIL);
        assertThat(check(r, SelfProbe.LIBVIRTD).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(Files.readString(conf)).doesNotContain("vgit-h4");
        assertThat(agent.retryPending()).isTrue();
        libvirtd.ctl("start");
        await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> assertThat(Files.readString(conf)).contains("vgit-h4"));
        await().atMost(Duration.ofSeconds(60)).until(() -> !agent.retryPending());
    }

    @Test
    @Order(10)
    void renewalRotatesTheHostKeyAndLibvirtdServesTheNewOne() throws Exception {
        PublicKey before = agent.hostKey().publicKey();
        CsrSubmitted csr = renewal();
        PublicKey next = TestCsr.publicKey(csr.csrPem());
        assertThat(next.getEncoded()).isNotEqualTo(before.getEncoded());
        // proof of possession: the current key signs the CSR, as pki-service checks
        var der = new org.bouncycastle.pkcs.PKCS10CertificationRequest(
                new org.bouncycastle.util.io.pem.PemReader(new java.io.StringReader(csr.csrPem())).readPemObject().getContent());
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(before);
        verifier.update(der.getEncoded());
        assertThat(verifier.verify(Base64.getDecoder().decode(csr.possessionSignature()))).isTrue();
        assertThat(host.mode("var/lib/virtgate-agent/host-key.next.pem")).isEqualTo("rw-------");
        // a second request before the certificate arrives reuses the pending key
        assertThat(TestCsr.publicKey(renewal().csrPem()).getEncoded()).isEqualTo(next.getEncoded());

        CertIssued renewed = pki.issue(HOST, "lab", FQDN, next, List.of("127.0.0.1"));
        HostConfigured r = host.configured(pki.pkiService().sign(renewed));
        assertThat(r.appliedCertSerial()).isEqualTo(renewed.serial());
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
        assertThat(agent.hostKey().publicKey().getEncoded()).isEqualTo(next.getEncoded());
        assertThat(host.file("var/lib/virtgate-agent/host-key.next.pem")).doesNotExist();
        assertThat(Files.readString(host.file("etc/pki/libvirt/private/serverkey.pem")))
                .isEqualTo(agent.hostKey().privateKeyPem());
        // libvirtd now proves the new key: a TLS client trusting only the CA connects with the new pair
        assertThat(host.tlsAccepts("rotated", pki.caPem(), agent.state().certPem, agent.hostKey().privateKeyPem()))
                .isTrue();
        // what the agent publishes is signed with the new key and certificate
        SignedEvent last = host.published.get(host.published.size() - 1);
        assertThat(EventSignatures.decodeChain(last.headers().get(EventSignatures.SIGNER_CHAIN)).get(0).getPublicKey()
                .getEncoded()).isEqualTo(next.getEncoded());
        // and a certificate for the retired key is refused like any other foreign key
        CertIssued stale = pki.issue(HOST, "lab", FQDN, before, List.of("127.0.0.1"));
        assertThat(check(host.configured(pki.pkiService().sign(stale)), "certificate-matches-key").status())
                .isEqualTo(CheckStatus.FAIL);
    }

    @Test
    @Order(11)
    void aRestartBetweenSavingTheRenewedCertificateAndPromotingItsKeyFinishesTheRotation() throws Exception {
        PublicKey next = TestCsr.publicKey(renewal().csrPem());
        CertIssued renewed = pki.issue(HOST, "lab", FQDN, next, List.of("127.0.0.1"));
        // the crash: the certificate reached state.json, the key rename did not happen
        Path stateFile = host.file("var/lib/virtgate-agent/state.json");
        AgentState saved = AgentState.load(stateFile);
        saved.certPem = renewed.certificatePem();
        saved.certSerial = renewed.serial();
        saved.save(stateFile);
        AgentService restarted = host.newAgent(host.settings);
        assertThat(restarted.hostKey().publicKey().getEncoded()).isEqualTo(next.getEncoded());
        assertThat(host.file("var/lib/virtgate-agent/host-key.next.pem")).doesNotExist();
        assertThat(host.mode("var/lib/virtgate-agent/host-key.pem")).isEqualTo("rw-------");
        // it signs with the certificate it resumed and the key that certificate is for
        SignedEvent signed = restarted.sign(credential(1, CredentialPhase.ACTIVE, null, List.of("virtgate-v1")))
                .orElseThrow();
        assertThat(EventSignatures.decodeChain(signed.headers().get(EventSignatures.SIGNER_CHAIN)).get(0).getPublicKey()
                .getEncoded()).isEqualTo(next.getEncoded());
        agent = host.agent = restarted;
    }

    @Test
    @Order(12)
    void secretsNeverAppearInEvents() {
        String all = host.published.stream().map(e -> new String(e.payload(), StandardCharsets.UTF_8)
                + e.headers()).collect(Collectors.joining("\n"));
        assertThat(all).doesNotContain(PASSWORD).doesNotContain("PRIVATE KEY").doesNotContain(TOKEN);
    }

    static CredentialRotated credential(int version, CredentialPhase phase, Integer previous, List<String> accepted) {
        return new CredentialRotated("lab", "rot-" + version, "virtgate-v" + version, version,
                "virtgate/clusters/lab/libvirt-sasl", version, phase, previous == null ? null : "virtgate-v" + previous,
                previous, accepted);
    }

    static CsrSubmitted renewal() {
        return (CsrSubmitted) host.receive(pki.pkiService().sign(new CertRenewalRequested(HOST, "lab",
                agent.state().certSerial, Instant.now().plus(Duration.ofDays(10)), "LIFETIME"))).orElseThrow();
    }
}
