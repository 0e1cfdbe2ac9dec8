package dev.virtgate.agent.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class LibvirtDnTest {

    @Test
    void certificateOrderIsTheReverseOfRfc4514() {
        KeyPair k = HostKey.generate();
        X509Certificate cert = new MiniCa("t").issue(k.getPublic(), Csrs.subject("c1", "h1.example"),
                List.of("h1.example"), List.of(), Duration.ofHours(1));
        assertThat(cert.getSubjectX500Principal().getName()).isEqualTo("CN=h1.example,OU=c1,O=virtgate");
        assertThat(LibvirtDn.of(cert)).isEqualTo("O=virtgate,OU=c1,CN=h1.example");
        assertThat(LibvirtDn.of(new X500Name("C=GB,ST=London,O=Red Hat,CN=x"))).isEqualTo("C=GB,ST=London,O=Red Hat,CN=x");
    }

    /** Cross-check with libvirt's own tool when it is installed (libvirt-clients). */
    @Test
    void agreesWithVirtPkiQueryDn() throws Exception {
        Path tool = Path.of("/usr/bin/virt-pki-query-dn");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(tool));
        KeyPair k = HostKey.generate();
        X509Certificate cert = new MiniCa("t").issue(k.getPublic(), Csrs.subject("c-2", "vg-h2.lab.virtgate.test"),
                List.of("vg-h2.lab.virtgate.test"), List.of("198.18.42.12"), Duration.ofHours(1));
        Path pem = Files.createTempFile("dn", ".pem");
        try {
            Files.writeString(pem, Pem.encode(cert));
            Process p = new ProcessBuilder(tool.toString(), pem.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).strip();
            assertThat(p.waitFor()).isZero();
            assertThat(LibvirtDn.of(cert)).isEqualTo(out).isEqualTo("O=virtgate,OU=c-2,CN=vg-h2.lab.virtgate.test");
        } finally {
            Files.deleteIfExists(pem);
        }
    }

    @Test
    void pkcs8KeyRoundTripsAndCarriesThePublicKey() throws Exception {
        Path dir = Files.createTempDirectory("key");
        HostKey a = HostKey.loadOrCreate(dir.resolve("k.pem"));
        HostKey b = HostKey.loadOrCreate(dir.resolve("k.pem"));
        assertThat(b.publicKey().getEncoded()).isEqualTo(a.publicKey().getEncoded());
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("k.pem"))))
                .isEqualTo("rw-------");
        assertThat(a.privateKeyPem()).startsWith("-----BEGIN PRIVATE KEY-----");
    }

    @Test
    void eciesRoundTrip() {
        KeyPair k = HostKey.generate();
        assertThat(Ecies.decrypt(k.getPrivate(), Ecies.encrypt(k.getPublic(), "s.wrappingtoken"))).isEqualTo("s.wrappingtoken");
    }
}
