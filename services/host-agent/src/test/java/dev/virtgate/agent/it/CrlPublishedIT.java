package dev.virtgate.agent.it;

import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.trust.CrlFreshness;
import dev.virtgate.agent.trust.TrustState;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.trust.EventRefusedException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.nio.file.Files;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static dev.virtgate.agent.it.TestHost.check;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * Revocation means revocation, against a REAL libvirtd: every CRL pki-service re-signs
 * (CrlPublished) reaches libvirtd without a restart when its number is higher than the applied one
 * and its signer a pinned CA; a certificate whose DN is still on tls_allowed_dn_list but whose serial
 * the CRL lists is refused, by the CRL (libvirtd's log says so), not by the allow list.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class CrlPublishedIT {
    static final String HOST = "vgcrl-h1";
    static final String FQDN = "vgcrl-h1.lab.virtgate.test";
    static final String CRL = "etc/pki/CA/cacrl.pem";
    static final String PASSWORD = "s3cret-Passw0rd_for-virtgate-v1";
    static final String QEMU_CRL = "etc/pki/qemu/ca-crl.pem";
    /** libvirt's reason when gnutls reports GNUTLS_CERT_REVOKED for the client's certificate. */
    static final String REVOKED_IN_LOG = "Certificate failed validation: The certificate has been revoked.";
    static final TestPki pki = new TestPki("virtgate-test");
    static TestHost host;
    static KeyPair stolenKey;
    static X509Certificate stolen;

    @BeforeAll
    static void enrolledHostWithAFirstCrl() throws Exception {
        Assumptions.assumeTrue(PrivateLibvirtd.available(), "needs root, unshare and libvirtd");
        host = TestHost.start(HOST, FQDN, pki);
        host.passwords.put("virtgate/clusters/lab/libvirt-sasl#1", PASSWORD);
        host.agent.enroll("tok_" + "C".repeat(40));
        CertIssued own = pki.issue(HOST, "lab", FQDN, host.agent.hostKey().publicKey(), List.of("127.0.0.1"));
        HostConfigured certified = host.configured(pki.pkiService().sign(own));
        assertThat(check(certified, CrlFreshness.CHECK).status()).isEqualTo(CheckStatus.FAIL); // certified, no CRL yet
        // the cluster's SASL credential: with auth_tls = "sasl" a TLS client needs it on top of its certificate,
        // so that a refusal below is the certificate's
        host.configured(pki.credentialService().sign(new CredentialRotated("lab", "rot-1", "virtgate-v1", 1,
                "virtgate/clusters/lab/libvirt-sasl", 1, CredentialPhase.ACTIVE, null, null, List.of("virtgate-v1"))));
        HostConfigured r = host.configured(pki.pkiService().sign(pki.crlPublished(1, List.of())));
        assertThat(r.posture()).as(r.posture().toString()).allMatch(c -> c.status() != CheckStatus.FAIL);
        assertThat(check(r, CrlFreshness.CHECK).detail()).contains("CRL 1", "nextUpdate");
        // a certificate for this host's own, allowed DN, whose key was stolen
        stolenKey = HostKey.generate();
        stolen = pki.hostCertificate(HOST, "lab", FQDN, stolenKey.getPublic(), List.of());
    }

    @AfterAll
    static void stop() throws Exception {
        if (host != null) {
            host.close();
        }
    }

    @Test
    @Order(1)
    void aHigherCrlReachesLibvirtdWithoutRestartAndItRefusesACertificateWhoseDnIsStillAllowed() throws Exception {
        assertThat(stolenAccepted("before")).isTrue();
        String pid = host.libvirtd.ctl("pid");
        String conf = Files.readString(host.file("etc/libvirt/libvirtd.conf"));
        CrlPublished second = pki.crlPublished(2, List.of(stolen.getSerialNumber()));

        HostConfigured r = host.configured(pki.pkiService().sign(second));
        assertThat(check(r, "apply").detail()).as(r.posture().toString()).contains("reloaded without restart");
        assertThat(check(r, CrlFreshness.CHECK).status()).isEqualTo(CheckStatus.PASS);
        assertThat(check(r, CrlFreshness.CHECK).detail()).contains("CRL 2", "nextUpdate " + second.nextUpdate());
        assertThat(host.libvirtd.ctl("pid")).isEqualTo(pid);
        assertThat(Files.readString(host.file(CRL))).isEqualTo(second.crlPem());
        assertThat(Files.readString(host.file(QEMU_CRL))).isEqualTo(second.crlPem());
        assertThat(host.agent.state().crls).hasSize(1);

        // the allow list did not change and still names the DN: only the CRL can refuse the client
        assertThat(Files.readString(host.file("etc/libvirt/libvirtd.conf"))).isEqualTo(conf)
                .contains("\"O=virtgate,OU=lab,CN=" + FQDN + "\"");
        int logBefore = host.libvirtd.log().length();
        assertThat(stolenAccepted("revoked")).isFalse();
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(host.libvirtd.log().substring(logBefore))
                .contains(REVOKED_IN_LOG).doesNotContain("is not on the list of allowed clients"));
        // the host's own certificate, same DN, not revoked: still accepted
        assertThat(host.tlsAccepts("own", pki.caPem(), host.agent.state().certPem,
                host.agent.hostKey().privateKeyPem())).isTrue();
    }

    @Test
    @Order(2)
    void anEqualOrLowerCrlNumberChangesNothing() throws Exception {
        byte[] crl = host.bytes(CRL);
        byte[] qemuCrl = host.bytes(QEMU_CRL);
        // genuine, signed by the pinned CA and published by pki-service, but not newer: would un-revoke
        assertThat(host.receive(pki.pkiService().sign(pki.crlPublished(2, List.of())))).isEmpty();
        assertThat(host.receive(pki.pkiService().sign(pki.crlPublished(1, List.of())))).isEmpty();
        assertThat(host.bytes(CRL)).isEqualTo(crl);
        assertThat(host.bytes(QEMU_CRL)).isEqualTo(qemuCrl);
        assertThat(host.agent.state().crls.values()).singleElement()
                .satisfies(applied -> assertThat(applied.number()).isEqualTo(2));
        assertThat(stolenAccepted("after-replay")).isFalse();
    }

    @Test
    @Order(3)
    void aCrlFromAForeignCaIsRefused() throws Exception {
        byte[] crl = host.bytes(CRL);
        TestPki intruder = new TestPki("virtgate-test"); // even the same subject: another key
        HostConfigured r = host.configured(pki.pkiService().sign(intruder.crlPublished(99, List.of())));
        assertThat(check(r, TrustState.CRL_CHECK).status()).isEqualTo(CheckStatus.FAIL);
        // the same CRL published by someone other than pki-service never gets past verification
        assertThatThrownBy(() -> host.receive(pki.credentialService().sign(pki.crlPublished(100, List.of()))))
                .isInstanceOf(EventRefusedException.class);
        // a CrlPublished whose crlNumber is not the one of its CRL
        CrlPublished genuine = pki.crlPublished(101, List.of());
        CrlPublished mislabelled = new CrlPublished(genuine.caFingerprint(), genuine.issuerDn(), "102",
                genuine.thisUpdate(), genuine.nextUpdate(), genuine.crlPem());
        assertThat(check(host.configured(pki.pkiService().sign(mislabelled)), TrustState.CRL_CHECK).status())
                .isEqualTo(CheckStatus.FAIL);
        assertThat(host.bytes(CRL)).isEqualTo(crl);
        assertThat(host.agent.state().crls.values()).singleElement()
                .satisfies(applied -> assertThat(applied.number()).isEqualTo(2));
        assertThat(stolenAccepted("after-foreign")).isFalse();
    }

    static boolean stolenAccepted(String name) throws Exception {
        return host.tlsAccepts("stolen-" + name, pki.caPem(), Pem.encode(stolen), Pem.encode(stolenKey.getPrivate()));
    }
}
