package dev.virtgate.agent.it;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.libvirt.LibvirtClient;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.service.AgentService;
import dev.virtgate.agent.service.AgentState;
import dev.virtgate.agent.service.SelfProbe;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRenewalRequested;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CsrSubmitted;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.PostureCheck;

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
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The agent against a REAL libvirtd (private namespace, see {@link PrivateLibvirtd}). The apply path
 * is the one the Kafka consumer calls ({@link AgentService#onCertIssued} etc.); a throwaway CA
 * stands in for pki-service.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class LibvirtdLockdownIT {
    static final String HOST = "vgit-h1";
    static final String FQDN = "vgit-h1.lab.virtgate.test";
    static final String PASSWORD = "s3cret-Passw0rd_for-virtgate-v1";
    static PrivateLibvirtd libvirtd;
    static AgentService agent;
    static final List<Event> events = new CopyOnWriteArrayList<>();
    static final TestPki pki = new TestPki();
    static final Map<String, String> passwords = new java.util.concurrent.ConcurrentHashMap<>();
    static Map<String, String> settings;

    @BeforeAll
    static void startLibvirtd() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs root, unshare and libvirtd");
        Path root = Files.createTempDirectory(Path.of("target"), "it-host-");
        libvirtd = new PrivateLibvirtd(root, HOST).start();
        settings = TestAgents.forHost(libvirtd, HOST, FQDN);
        passwords.put("virtgate/clusters/lab/libvirt-sasl#1", PASSWORD);
        agent = newAgent(settings);
    }

    static AgentService newAgent(Map<String, String> values) {
        var config = TestAgents.config(values);
        return new AgentService(config, events::add, (path, v) -> {
            String p = passwords.get(path + "#" + v);
            if (p == null) {
                throw new IllegalStateException("no password for version " + v);
            }
            return p;
        }, (payload, sig) -> false, new LibvirtdControl(config));
    }

    @AfterAll
    static void stop() throws Exception {
        if (libvirtd != null) {
            libvirtd.close();
        }
    }

    @Test
    @Order(1)
    void enrollmentDiscoversCapabilitiesAndKeepsTheKeyLocal() throws Exception {
        HostEnrolled e = agent.enroll("tok_" + "A".repeat(40));
        assertThat(e.capabilities().libvirtVersion()).isEqualTo("9.0.0");
        assertThat(e.capabilities().qemuVersion()).startsWith("7.2");
        assertThat(e.capabilities().nativeTlsMigration()).isTrue();
        assertThat(e.capabilities().tlsReloadSupported()).isTrue();
        assertThat(e.capabilities().saslMechanisms()).contains("DIGEST-MD5", "SCRAM-SHA-256");
        assertThat(e.capabilities().listeners()).anyMatch(l -> l.startsWith("tcp://127.0.0.1") && l.endsWith("auth=none"));
        assertThat(e.csrPem()).startsWith("-----BEGIN CERTIFICATE REQUEST-----");
        Path key = agent.paths().stateDir.resolve("host-key.pem");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key))).isEqualTo("rw-------");
        assertThat(events).contains(e);
        assertThat(e.toString()).doesNotContain("tok_");
    }

    @Test
    @Order(2)
    void applyLocksLibvirtdDown() throws Exception {
        CertIssued cert = pki.issue(HOST, "lab", FQDN, agent.hostKey().publicKey(), List.of("127.0.0.1"));
        KeyPair peerKey = HostKey.generate();
        CertIssued peer = pki.issue("vgit-h2", "lab", "vgit-h2.lab.virtgate.test", peerKey.getPublic(), List.of("127.0.0.2"));
        assertThat(agent.onCertIssued(peer)).isEmpty(); // remembered; nothing to apply before our own cert
        HostConfigured afterCert = agent.onCertIssued(cert).orElseThrow();
        assertThat(check(afterCert, "apply").status()).as(afterCert.posture().toString()).isEqualTo(CheckStatus.PASS);
        HostConfigured r = agent.onCredentialRotated(new CredentialRotated("lab", "rot-1", "virtgate-v1", 1,
                "virtgate/clusters/lab/libvirt-sasl", 1, CredentialPhase.ACTIVE, null, null, List.of("virtgate-v1")))
                .orElseThrow();
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() == CheckStatus.PASS);
        assertThat(r.tlsListening()).isTrue();
        assertThat(r.saslListening()).isTrue();
        assertThat(r.appliedCertSerial()).isEqualTo(cert.serial());
        assertThat(r.credentialVersion()).isEqualTo(1);

        String conf = Files.readString(libvirtd.root().resolve("etc/libvirt/libvirtd.conf"));
        assertThat(conf).contains("unix_sock_group = \"root\"", "# an operator's own setting the agent must keep")
                .contains("auth_tcp = \"sasl\"", "listen_tls = 1", "listen_addr = \"127.0.0.1\"")
                .contains("tls_allowed_dn_list = [ \"O=virtgate,OU=lab,CN=vgit-h1.lab.virtgate.test\", "
                        + "\"O=virtgate,OU=lab,CN=vgit-h2.lab.virtgate.test\" ]")
                .doesNotContain("auth_tcp = \"none\"");
        assertThat(mode("etc/pki/libvirt/private/serverkey.pem")).isEqualTo("rw-------");
        assertThat(mode("etc/pki/libvirt/private/clientkey.pem")).isEqualTo("rw-------");
        assertThat(mode("etc/libvirt/auth.conf")).isEqualTo("rw-------");
        assertThat(mode("etc/pki/qemu/server-key.pem")).isEqualTo("rw-r-----");
        assertThat(Files.readAttributes(libvirtd.root().resolve("etc/pki/qemu/server-key.pem"), PosixFileAttributes.class)
                .group().getName()).isIn("qemu", "libvirt-qemu", "root");
        assertThat(Files.readString(libvirtd.root().resolve("etc/libvirt/qemu.conf")))
                .contains("migrate_tls_force = 1", "migrate_tls_x509_verify = 1", "migration_address = \"198.51.100.10\"",
                        "user = \"root\"");
    }

    @Test
    @Order(3)
    void tcpWithoutCredentialsFailsAndWithThemSucceeds() {
        String tcp = "qemu+tcp://127.0.0.1:" + libvirtd.tcpPort() + "/system";
        assertThat(LibvirtClient.attempt(LibvirtClient.withAuthFile(tcp, authFile("none", null, null))).connected())
                .isFalse();
        assertThat(LibvirtClient.attempt(LibvirtClient.withAuthFile(tcp,
                authFile("wrong", "virtgate-v1", "wrong-password-123")), LibvirtClient.fromAuthFileOnly()).connected())
                .isFalse();
        assertThat(LibvirtClient.attempt(LibvirtClient.withAuthFile(tcp, authFile("right", "virtgate-v1", PASSWORD)),
                LibvirtClient.fromAuthFileOnly()).connected()).isTrue();
    }

    @Test
    @Order(4)
    void tlsWithIssuedCertSucceedsForeignCaAndUnlistedDnFail() throws Exception {
        String tls = "qemu+tls://127.0.0.1:" + libvirtd.tlsPort() + "/system?pkipath=";
        assertThat(LibvirtClient.attempt(tls + pkiDir("own", pki.ca.certificatePem(), agent.state().certPem,
                agent.hostKey().privateKeyPem()), null).connected()).isTrue();

        var foreign = new dev.virtgate.agent.pki.MiniCa("intruder");
        KeyPair k = HostKey.generate();
        var fcert = foreign.issue(k.getPublic(), dev.virtgate.agent.pki.Csrs.subject("lab", FQDN), List.of(FQDN),
                List.of(), Duration.ofHours(1));
        var attempt = LibvirtClient.attempt(tls + pkiDir("foreign", pki.ca.certificatePem() + foreign.certificatePem(),
                Pem.encode(fcert), Pem.encode(k.getPrivate())), null);
        assertThat(attempt.connected()).isFalse();

        KeyPair u = HostKey.generate();
        CertIssued unlisted = pki.issue("vgit-x", "lab", "unlisted.lab.virtgate.test", u.getPublic(), List.of());
        var denied = LibvirtClient.attempt(tls + pkiDir("unlisted", pki.ca.certificatePem(), unlisted.certificatePem(),
                Pem.encode(u.getPrivate())), null);
        assertThat(denied.connected()).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(libvirtd.log())
                .contains("Failed to verify peer's certificate")
                .contains("is not on the list of allowed clients"));
    }

    @Test
    @Order(5)
    void certificateReloadKeepsAnOpenConnection() throws Exception {
        String pid = libvirtd.ctl("pid");
        Connect open = new Connect("qemu+tls://127.0.0.1:" + libvirtd.tlsPort() + "/system?pkipath="
                + pkiDir("reload", pki.ca.certificatePem(), agent.state().certPem, agent.hostKey().privateKeyPem()),
                null, 0);
        try {
            CertIssued renewed = pki.issue(HOST, "lab", FQDN, agent.hostKey().publicKey(), List.of("127.0.0.1"));
            HostConfigured r = agent.onCertIssued(renewed).orElseThrow();
            assertThat(check(r, "apply").detail()).contains("reloaded without restart");
            assertThat(r.appliedCertSerial()).isEqualTo(renewed.serial());
            assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() == CheckStatus.PASS);
            assertThat(open.getLibVersion()).isEqualTo(9_000_000L);
            assertThat(libvirtd.ctl("pid")).isEqualTo(pid);
        } finally {
            open.close();
        }
    }

    @Test
    @Order(6)
    void certificateForAnotherKeyIsRefused() throws Exception {
        byte[] before = Files.readAllBytes(libvirtd.root().resolve("etc/pki/libvirt/servercert.pem"));
        CertIssued wrong = pki.issue(HOST, "lab", FQDN, HostKey.generate().getPublic(), List.of("127.0.0.1"));
        HostConfigured r = agent.onCertIssued(wrong).orElseThrow();
        assertThat(check(r, "certificate-matches-key").status()).isEqualTo(CheckStatus.FAIL);
        assertThat(Files.readAllBytes(libvirtd.root().resolve("etc/pki/libvirt/servercert.pem"))).isEqualTo(before);
    }

    @Test
    @Order(7)
    void injectionInAPeerDnIsRejectedBeforeAnythingIsWritten() throws Exception {
        Path conf = libvirtd.root().resolve("etc/libvirt/libvirtd.conf");
        byte[] before = Files.readAllBytes(conf);
        CertIssued good = pki.issue("vgit-h3", "lab", "vgit-h3.lab.virtgate.test", HostKey.generate().getPublic(), List.of());
        for (String evil : List.of("O=virtgate,OU=lab,CN=x\", \"*", "O=virtgate,OU=lab,CN=*", "O=virtgate,CN=a\\,b",
                "O=virtgate,CN=a\nauth_tcp = \"none\"")) {
            CertIssued bad = new CertIssued(good.hostId(), good.clusterId(), good.serial(), good.subjectDn(), evil,
                    good.certificatePem(), good.chainPem(), good.caBundlePem(), good.notBefore(), good.notAfter(),
                    good.reason());
            assertThatThrownBy(() -> agent.onCertIssued(bad)).isInstanceOf(ConfigRejectedException.class)
                    .hasMessageNotContaining("auth_tcp");
        }
        assertThat(Files.readAllBytes(conf)).isEqualTo(before);
    }

    @Test
    @Order(8)
    void driftIsDetectedThenRepaired() throws Exception {
        Path conf = libvirtd.root().resolve("etc/libvirt/libvirtd.conf");
        Files.writeString(conf, Files.readString(conf).replace("auth_tcp = \"sasl\"", "auth_tcp = \"none\""));
        libvirtd.ctl("restart"); // the operator restarts libvirtd with the hand edit
        HostConfigured detected = agent.probeAndReport(true); // policy: report only
        assertThat(check(detected, SelfProbe.CONFIG).status()).isEqualTo(CheckStatus.FAIL);
        assertThat(check(detected, SelfProbe.UNAUTH_TCP).status()).isEqualTo(CheckStatus.FAIL);

        Map<String, String> repairing = new java.util.HashMap<>(settings);
        repairing.put("repair-drift", "true");
        AgentService repairer = newAgent(repairing);
        HostConfigured repaired = repairer.probeAndReport(true);
        assertThat(repaired.posture()).as(repaired.posture().toString()).allMatch(c -> c.status() == CheckStatus.PASS);
        assertThat(Files.readString(conf)).contains("auth_tcp = \"sasl\"").doesNotContain("auth_tcp = \"none\"");
        agent = repairer;
    }

    @Test
    @Order(9)
    void libvirtdDownIsRetriedWithBackoffAndNothingIsWritten() throws Exception {
        Path conf = libvirtd.root().resolve("etc/libvirt/libvirtd.conf");
        libvirtd.ctl("stop");
        CertIssued peer = pki.issue("vgit-h4", "lab", "vgit-h4.lab.virtgate.test", HostKey.generate().getPublic(), List.of());
        HostConfigured r = agent.onCertIssued(peer).orElseThrow();
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
        CsrSubmitted csr = agent.onRenewalRequested(new CertRenewalRequested(HOST, "lab", agent.state().certSerial,
                Instant.now().plus(Duration.ofDays(10)), "RENEWAL")).orElseThrow();
        PublicKey next = TestPki.csrKey(csr.csrPem());
        assertThat(next.getEncoded()).isNotEqualTo(before.getEncoded());
        // proof of possession: the current key signs the CSR, as pki-service checks
        var der = new org.bouncycastle.pkcs.PKCS10CertificationRequest(
                new org.bouncycastle.util.io.pem.PemReader(new java.io.StringReader(csr.csrPem())).readPemObject().getContent());
        Signature verifier = Signature.getInstance("SHA256withECDSA");
        verifier.initVerify(before);
        verifier.update(der.getEncoded());
        assertThat(verifier.verify(Base64.getDecoder().decode(csr.possessionSignature()))).isTrue();
        assertThat(mode("var/lib/virtgate-agent/host-key.next.pem")).isEqualTo("rw-------");
        // a second request before the certificate arrives reuses the pending key
        CsrSubmitted again = agent.onRenewalRequested(new CertRenewalRequested(HOST, "lab", agent.state().certSerial,
                Instant.now().plus(Duration.ofDays(10)), "RENEWAL")).orElseThrow();
        assertThat(TestPki.csrKey(again.csrPem()).getEncoded()).isEqualTo(next.getEncoded());

        CertIssued renewed = pki.issue(HOST, "lab", FQDN, next, List.of("127.0.0.1"));
        HostConfigured r = agent.onCertIssued(renewed).orElseThrow();
        assertThat(r.appliedCertSerial()).isEqualTo(renewed.serial());
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() == CheckStatus.PASS);
        assertThat(agent.hostKey().publicKey().getEncoded()).isEqualTo(next.getEncoded());
        assertThat(libvirtd.root().resolve("var/lib/virtgate-agent/host-key.next.pem")).doesNotExist();
        assertThat(Files.readString(libvirtd.root().resolve("etc/pki/libvirt/private/serverkey.pem")))
                .isEqualTo(agent.hostKey().privateKeyPem());
        // libvirtd now proves the new key: a TLS client trusting only the CA connects with the new pair
        assertThat(LibvirtClient.attempt("qemu+tls://127.0.0.1:" + libvirtd.tlsPort() + "/system?pkipath="
                + pkiDir("rotated", pki.ca.certificatePem(), agent.state().certPem, agent.hostKey().privateKeyPem()))
                .connected()).isTrue();
        // and a certificate for the retired key is refused like any other foreign key
        CertIssued stale = pki.issue(HOST, "lab", FQDN, before, List.of("127.0.0.1"));
        assertThat(check(agent.onCertIssued(stale).orElseThrow(), "certificate-matches-key").status())
                .isEqualTo(CheckStatus.FAIL);
    }

    @Test
    @Order(11)
    void aRestartBetweenSavingTheRenewedCertificateAndPromotingItsKeyFinishesTheRotation() throws Exception {
        CsrSubmitted csr = agent.onRenewalRequested(new CertRenewalRequested(HOST, "lab", agent.state().certSerial,
                Instant.now().plus(Duration.ofDays(10)), "RENEWAL")).orElseThrow();
        PublicKey next = TestPki.csrKey(csr.csrPem());
        CertIssued renewed = pki.issue(HOST, "lab", FQDN, next, List.of("127.0.0.1"));
        // the crash: the certificate reached state.json, the key rename did not happen
        Path stateFile = libvirtd.root().resolve("var/lib/virtgate-agent/state.json");
        AgentState saved = AgentState.load(stateFile);
        saved.certPem = renewed.certificatePem();
        saved.certSerial = renewed.serial();
        saved.save(stateFile);
        AgentService restarted = newAgent(settings);
        assertThat(restarted.hostKey().publicKey().getEncoded()).isEqualTo(next.getEncoded());
        assertThat(libvirtd.root().resolve("var/lib/virtgate-agent/host-key.next.pem")).doesNotExist();
        assertThat(mode("var/lib/virtgate-agent/host-key.pem")).isEqualTo("rw-------");
    }

    @Test
    @Order(12)
    void secretsNeverAppearInEvents() {
        String all = events.stream().map(Object::toString).collect(Collectors.joining("\n"));
        assertThat(all).doesNotContain(PASSWORD).doesNotContain("PRIVATE KEY");
    }

    static PostureCheck check(HostConfigured r, String name) {
        return r.posture().stream().filter(c -> c.name().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError("no check " + name + " in " + r.posture()));
    }

    static String mode(String rel) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(libvirtd.root().resolve(rel)));
    }

    static Path pkiDir(String name, String ca, String cert, String key) throws Exception {
        Path dir = libvirtd.root().resolve("client-" + name);
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("cacert.pem"), ca, StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("clientcert.pem"), cert, StandardCharsets.US_ASCII);
        Files.writeString(dir.resolve("clientkey.pem"), key, StandardCharsets.US_ASCII);
        Files.setPosixFilePermissions(dir.resolve("clientkey.pem"), PosixFilePermissions.fromString("rw-------"));
        return dir;
    }

    /**
     * Client credentials come from a libvirt auth file, never from a JNA callback: libvirt-java
     * hands libvirt Java-owned strings as callback results and libvirt later frees them (a crash).
     */
    private static java.nio.file.Path authFile(String name, String username, String password) {
        try {
            java.nio.file.Path dir = java.nio.file.Path.of("target", "it-auth").toAbsolutePath();
            Files.createDirectories(dir);
            java.nio.file.Path file = dir.resolve(name + ".conf");
            Files.writeString(file, username == null ? "# no credentials\n"
                    : dev.virtgate.agent.conf.AuthConf.render("", username, password));
            Files.setPosixFilePermissions(file, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
            return file;
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }
}
