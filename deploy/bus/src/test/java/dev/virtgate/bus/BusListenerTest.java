package dev.virtgate.bus;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusListenerTest {

    @Test
    void theListenerCertificateIsSignedByTheBusCaAndNamesTheBroker() throws Exception {
        BusListenerCert cert = BusListenerCert.create(List.of("kafka"), List.of("127.0.0.1"));
        CertificateFactory x509 = CertificateFactory.getInstance("X.509");
        X509Certificate ca = (X509Certificate) x509.generateCertificate(stream(cert.caPem()));
        X509Certificate leaf = (X509Certificate) x509.generateCertificate(stream(cert.chainPem()));
        leaf.verify(ca.getPublicKey());
        assertEquals(-1, leaf.getBasicConstraints());
        assertTrue(leaf.getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("kafka")));
        assertTrue(leaf.getSubjectAlternativeNames().stream().anyMatch(n -> n.get(1).equals("127.0.0.1")));
        assertTrue(cert.keyPem().startsWith("-----BEGIN PRIVATE KEY-----"), "PKCS#8, as Kafka's PEM keystore wants");
    }

    @Test
    void brokerPropertiesCarryEachPemOnOneLineThatReadsBackIntact() throws Exception {
        BusListenerCert cert = BusListenerCert.create(List.of("localhost"), List.of());
        List<String> lines = BusSecurity.brokerProperties("0123456789abcdef0123", cert);
        Properties properties = new Properties();
        properties.load(new java.io.StringReader(String.join("\n", lines)));
        assertEquals(cert.caPem().strip(), properties.getProperty(BusSecurity.HOSTS_TRUSTSTORE));
        assertEquals("required", properties.getProperty("listener.name.hosts.ssl.client.auth"));
        assertTrue(properties.getProperty("listener.security.protocol.map").contains("HOSTS:SSL"));
    }

    @Test
    void somethingThatIsNotPemNeverReachesTheBrokersConfiguration() {
        String injected = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\nsuper.users=User:mallory";
        assertThrows(IllegalArgumentException.class, () -> BusSecurity.requirePem("CA bundle", injected));
        assertThrows(IllegalArgumentException.class, () -> BusSecurity.hostClientConfig("h:1", "key", "x", "y"));
    }

    @Test
    void listenerFilesAreMadeOnceWithThePrivateKeyReadableByTheOwnerOnly(@TempDir Path dir) throws Exception {
        ListenerFiles.create(dir, List.of("kafka", "127.0.0.1"));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve(ListenerFiles.KEY))));
        String ca = Files.readString(dir.resolve(ListenerFiles.CA));
        ListenerFiles.create(dir, List.of("kafka"));
        assertEquals(ca, Files.readString(dir.resolve(ListenerFiles.CA)), "agents keep trusting the same bus CA");
        assertEquals(ca, ListenerFiles.read(dir).caPem());
        assertThrows(IllegalArgumentException.class, () -> ListenerFiles.create(dir.resolve("x"), List.of("a b")));
    }

    private static ByteArrayInputStream stream(String pem) {
        return new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII));
    }
}
