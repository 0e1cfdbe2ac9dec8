package dev.virtgate.agent.it;

import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

import static dev.virtgate.agent.it.TestHost.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What someone with write access to the bus tries against a locked-down host, each attack with
 * what must still hold afterwards, checked on the files and against the real libvirtd: the agent
 * believes an event only when its producer signed it (pki-service for certificates and CRLs,
 * credential-service for credentials), trusts only the CA it pinned and the CAs that CA signed,
 * and never steps back to an older CRL or credential.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BusAttacksIT {
    static final String HOST = "vgat-h1";
    static final String FQDN = "vgat-h1.lab.virtgate.test";
    static final String PASSWORD = "s3cret-Passw0rd_for-virtgate-v1";
    static final String CA_FILE = "etc/pki/CA/cacert.pem";
    static final String QEMU_CA_FILE = "etc/pki/qemu/ca-cert.pem";
    static final String CONF = "etc/libvirt/libvirtd.conf";
    static final String SASL_DB = "etc/libvirt/passwd.db";
    static final EventCodec CODEC = new EventCodec();
    static final TestPki pki = new TestPki("virtgate-test");
    static final TestPki intruder = new TestPki("intruder");
    static TestHost host;
    static CertIssued ownCert;
    static TestProducer.Signed ownCertEvent;
    static TestProducer.Signed firstCredential;

    @BeforeAll
    static void lockedDownHost() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs root, unshare and libvirtd");
        host = TestHost.start(HOST, FQDN, pki);
        host.passwords.put("virtgate/clusters/lab/libvirt-sasl#1", PASSWORD);
        host.passwords.put("virtgate/clusters/lab/libvirt-sasl#2", PASSWORD + "-2");
        host.policy(PolicyMode.ALLOW_SASL_FALLBACK, null, true); // the attacks are checked over TCP as well
        host.agent.enroll("tok_" + "B".repeat(40));
        ownCert = pki.issue(HOST, "lab", FQDN, host.agent.hostKey().publicKey(), List.of("127.0.0.1"));
        ownCertEvent = pki.pkiService().sign(ownCert);
        host.configured(ownCertEvent);
        host.configured(pki.pkiService().sign(pki.crlPublished(1, List.of()))); // pki-service's CRL: crl-fresh passes
        firstCredential = pki.credentialService().sign(credential(1, CredentialPhase.ACTIVE, null, List.of("virtgate-v1")));
        HostConfigured r = host.configured(firstCredential);
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    @Order(1)
    void aReplayedCertIssuedWithAForeignCaAppendedIsRefused() throws Exception {
        byte[] ca = host.bytes(CA_FILE);
        byte[] qemuCa = host.bytes(QEMU_CA_FILE);
        TestProducer.Signed replay = ownCertEvent.withPayload(CODEC.encode(withCa(ownCert, intruder.caPem())));
        assertThatThrownBy(() -> host.receive(replay)).isInstanceOf(EventRefusedException.class)
                .hasMessageContaining("signature does not verify");
        assertThat(host.bytes(CA_FILE)).isEqualTo(ca);
        assertThat(host.bytes(QEMU_CA_FILE)).isEqualTo(qemuCa);
        assertThat(intruderClientAccepted("replayed")).isFalse();
    }

    @Test
    @Order(2)
    void aForeignCaInABundleThatPkiServiceSignedIsNotTrusted() throws Exception {
        byte[] ca = host.bytes(CA_FILE);
        byte[] qemuCa = host.bytes(QEMU_CA_FILE);
        // a genuine signature this time (a mistaken or compromised pki-service): the pin still decides
        HostConfigured r = host.configured(pki.pkiService().sign(withCa(ownCert, intruder.caPem())));
        assertThat(check(r, "apply").status()).isEqualTo(CheckStatus.PASS);
        assertThat(host.bytes(CA_FILE)).isEqualTo(ca);
        assertThat(host.bytes(QEMU_CA_FILE)).isEqualTo(qemuCa);
        assertThat(host.agent.state().caBundlePem).containsExactly(pki.caPem());
        assertThat(intruderClientAccepted("signed-bundle")).isFalse();
    }

    @Test
    @Order(3)
    void aForgedPeerCertIssuedLeavesLibvirtdConfUnchanged() throws Exception {
        byte[] conf = host.bytes(CONF);
        CertIssued peer = pki.issue("vgat-evil", "lab", "evil.lab.virtgate.test", HostKey.generate().getPublic(),
                List.of());
        KeyPair peerHostKey = HostKey.generate();
        X509Certificate peerHostCert = pki.hostCertificate("vgat-h2", "lab", "vgat-h2.lab.virtgate.test",
                peerHostKey.getPublic(), List.of());
        List<TestProducer.Signed> forged = List.of(
                pki.pkiService().sign(peer).withHeader(EventSignatures.SIGNATURE, null),
                TestProducer.issuedBy(new TestCa("intruder"), Producer.service("pki-service")).sign(peer),
                pki.credentialService().sign(peer),
                TestProducer.withKey("virtgate/host-agent/vgat-h2", peerHostKey, List.of(peerHostCert)).sign(peer));
        for (TestProducer.Signed event : forged) {
            assertThatThrownBy(() -> host.receive(event)).isInstanceOf(EventRefusedException.class);
        }
        // signed by pki-service, but for a certificate from a CA the host never pinned
        CertIssued foreignPeer = intruder.issue("vgat-evil", "lab", "evil.lab.virtgate.test",
                HostKey.generate().getPublic(), List.of());
        assertThat(host.receive(pki.pkiService().sign(foreignPeer))).isEmpty();
        assertThat(host.bytes(CONF)).isEqualTo(conf);
        assertThat(new String(conf, StandardCharsets.UTF_8)).doesNotContain("evil");
        assertThat(host.agent.state().peerDns).doesNotContainKey("vgat-evil");
    }

    @Test
    @Order(4)
    void anOlderCrlReplayedLeavesCrlPemUnchangedAndTheRevokedCertificateRefused() throws Exception {
        // a certificate for this host's own (allowed) DN whose key was stolen
        KeyPair stolenKey = HostKey.generate();
        X509Certificate stolen = pki.hostCertificate(HOST, "lab", FQDN, stolenKey.getPublic(), List.of());
        assertThat(stolenClientAccepted(stolen, stolenKey, "before")).isTrue();
        String older = pki.crl(1, List.of());
        String newer = pki.crl(2, List.of(stolen.getSerialNumber()));
        HostConfigured r = host.configured(pki.pkiService().sign(pki.revoked(HOST, "lab", stolen, newer)));
        assertThat(check(r, "apply").status()).as(r.posture().toString()).isEqualTo(CheckStatus.PASS);
        assertThat(stolenClientAccepted(stolen, stolenKey, "revoked")).isFalse();
        byte[] crl = host.bytes("etc/pki/CA/cacrl.pem");
        byte[] qemuCrl = host.bytes("etc/pki/qemu/ca-crl.pem");

        // the older CRL is genuine, signed by the CA, in a genuine CertRevoked: replayed, it changes nothing
        X509Certificate other = pki.hostCertificate("vgat-h7", "lab", "vgat-h7.lab.virtgate.test",
                HostKey.generate().getPublic(), List.of());
        host.receive(pki.pkiService().sign(pki.revoked("vgat-h7", "lab", other, older)));
        assertThat(host.bytes("etc/pki/CA/cacrl.pem")).isEqualTo(crl);
        assertThat(host.bytes("etc/pki/qemu/ca-crl.pem")).isEqualTo(qemuCrl);
        assertThat(stolenClientAccepted(stolen, stolenKey, "after-replay")).isFalse();
    }

    @Test
    @Order(5)
    void aForgedCredentialRotatedLeavesTheSaslDbUnchanged() throws Exception {
        byte[] db = host.bytes(SASL_DB);
        CredentialRotated wipe = credential(9, CredentialPhase.ACTIVE, null, List.of("virtgate-v9"));
        // as the issue tried it: no signature and nobody left to accept
        TestProducer.Signed emptied = pki.credentialService().sign(wipe)
                .withPayload(new String(CODEC.encode(wipe), StandardCharsets.UTF_8)
                        .replace("[\"virtgate-v9\"]", "[]").getBytes(StandardCharsets.UTF_8))
                .withHeader(EventSignatures.SIGNATURE, null).withHeader(EventSignatures.SIGNER_CHAIN, null);
        assertThatThrownBy(() -> host.receive(emptied)).isInstanceOf(InvalidEventException.class);
        assertThatThrownBy(() -> host.receive(TestProducer.issuedBy(new TestCa("intruder"),
                Producer.service("credential-service")).sign(wipe))).isInstanceOf(EventRefusedException.class);
        assertThatThrownBy(() -> host.receive(pki.pkiService().sign(wipe))).isInstanceOf(EventRefusedException.class)
                .hasMessageContaining("may come only from credential-service");
        assertThat(host.bytes(SASL_DB)).isEqualTo(db);
        assertThat(host.saslAccepts("still-v1", "virtgate-v1", PASSWORD)).isTrue();
    }

    @Test
    @Order(6)
    void aReplayedOlderCredentialIsRefused() throws Exception {
        HostConfigured staged = host.configured(pki.credentialService().sign(credential(2, CredentialPhase.STAGED, 1,
                List.of("virtgate-v1", "virtgate-v2"))));
        assertThat(staged.credentialVersion()).isEqualTo(2);
        byte[] db = host.bytes(SASL_DB);
        byte[] conf = host.bytes(CONF);
        assertThatThrownBy(() -> host.receive(firstCredential)).isInstanceOf(EventRefusedException.class)
                .hasMessageContaining("older than the applied");
        assertThat(host.bytes(SASL_DB)).isEqualTo(db);
        assertThat(host.bytes(CONF)).isEqualTo(conf);
        assertThat(host.agent.state().credential.version()).isEqualTo(2);
        assertThat(host.saslAccepts("v2", "virtgate-v2", PASSWORD + "-2")).isTrue();
    }

    @Test
    @Order(7)
    void aCaThePinnedCaCrossSignedIsTrustedForTheRotation() throws Exception {
        TestPki next = new TestPki("virtgate-test-next");
        X509Certificate cross = pki.crossSign(next);
        X509Certificate cert = next.hostCertificate(HOST, "lab", FQDN, host.agent.hostKey().publicKey(),
                List.of("127.0.0.1"));
        HostConfigured r = host.configured(pki.pkiService().sign(next.certIssued(HOST, "lab", cert,
                List.of(pki.caPem(), Pem.encode(cross), next.caPem(), intruder.caPem()))));
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
        assertThat(host.agent.state().caBundlePem).containsExactly(pki.caPem(), Pem.encode(cross), next.caPem());
        assertThat(host.tlsAccepts("next-ca", next.caPem(), Pem.encode(cert), host.agent.hostKey().privateKeyPem()))
                .isTrue();
        assertThat(intruderClientAccepted("after-rotation")).isFalse();
    }

    /** A client certificate for this host's own DN from the intruder's CA, which the client itself trusts. */
    static boolean intruderClientAccepted(String name) throws Exception {
        KeyPair key = HostKey.generate();
        X509Certificate cert = intruder.hostCertificate(HOST, "lab", FQDN, key.getPublic(), List.of());
        return host.tlsAccepts("intruder-" + name, pki.caPem() + intruder.caPem(), Pem.encode(cert),
                Pem.encode(key.getPrivate()));
    }

    static boolean stolenClientAccepted(X509Certificate cert, KeyPair key, String name) throws Exception {
        return host.tlsAccepts("stolen-" + name, pki.caPem(), Pem.encode(cert), Pem.encode(key.getPrivate()));
    }

    static CertIssued withCa(CertIssued e, String extraCaPem) {
        List<String> bundle = new ArrayList<>(e.caBundlePem());
        bundle.add(extraCaPem);
        return new CertIssued(e.hostId(), e.clusterId(), e.serial(), e.subjectDn(), e.libvirtDn(), e.certificatePem(),
                e.chainPem(), bundle, e.notBefore(), e.notAfter(), e.reason());
    }

    static CredentialRotated credential(int version, CredentialPhase phase, Integer previous, List<String> accepted) {
        return new CredentialRotated("lab", "rot-" + version, "virtgate-v" + version, version,
                "virtgate/clusters/lab/libvirt-sasl", version, phase, previous == null ? null : "virtgate-v" + previous,
                previous, accepted);
    }
}
