package dev.virtgate.testsupport.trust;

import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.Test;

import javax.security.auth.x500.X500Principal;
import java.math.BigInteger;
import java.security.KeyPair;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECPrivateKey;
import java.security.interfaces.RSAPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TestCaTest {
    private final TestCa ca = new TestCa(new X500Principal("CN=unit CA,O=virtgate"));

    @Test
    void aCsrNamesItsSubjectAndSansAndVerifiesOnlyWhenItsOwnKeySignedIt() throws Exception {
        KeyPair key = TestKeys.p256();
        PKCS10CertificationRequest csr = TestCsr.forKey(key).subject("CN=h1.example,OU=c1,O=virtgate")
                .dns(List.of("h1.example")).ips(List.of("192.0.2.1")).request();
        assertEquals("CN=h1.example,OU=c1,O=virtgate", csr.getSubject().toString());
        assertEquals(1, csr.getAttributes().length);
        assertTrue(csr.isSignatureValid(verifier(csr)));
        assertArrayEquals(key.getPublic().getEncoded(), TestCsr.publicKey(TestCsr.forKey(key).commonName("x").pem())
                .getEncoded());

        PKCS10CertificationRequest forged = TestCsr.forKey(key).commonName("h1.example")
                .signedBy(TestKeys.p256().getPrivate()).request();
        assertFalse(forged.isSignatureValid(verifier(forged)));
        assertEquals(0, TestCsr.forKey(key).commonName("no sans").request().getAttributes().length);
    }

    @Test
    void weakAndForeignKeysStillMakeCsrs() throws Exception {
        PKCS10CertificationRequest rsa = TestCsr.forKey(TestKeys.rsa(1024)).commonName("weak").request();
        assertTrue(rsa.isSignatureValid(verifier(rsa)));
        PKCS10CertificationRequest k1 = TestCsr.forKey(TestKeys.ec("secp256k1")).commonName("k1").request();
        assertTrue(k1.isSignatureValid(verifier(k1)));
        assertEquals(1024, ((RSAPublicKey) TestCsr.publicKey(TestCa.pem(rsa))).getModulus().bitLength());
    }

    @Test
    void aLeafChainsToTheCaWithTheNamesAndUsesAskedFor() throws Exception {
        KeyPair key = TestKeys.p256();
        Instant from = Instant.now().minus(Duration.ofHours(2)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        X509Certificate leaf = ca.leaf(key.getPublic()).subject(new X500Principal("CN=carol,O=virtgate"))
                .dns("carol.example").ips("127.0.0.1").uri("urn:virtgate:role:operator").clientAuth()
                .notBefore(from).validity(Duration.ofHours(1)).issue();
        leaf.verify(ca.certificate().getPublicKey());
        assertEquals("CN=carol,O=virtgate", leaf.getSubjectX500Principal().getName());
        assertEquals(ca.certificate().getSubjectX500Principal(), leaf.getIssuerX500Principal());
        assertEquals(List.of("1.3.6.1.5.5.7.3.2"), leaf.getExtendedKeyUsage());
        assertEquals(List.of(List.of(2, "carol.example"), List.of(7, "127.0.0.1"),
                List.of(6, "urn:virtgate:role:operator")), List.copyOf(leaf.getSubjectAlternativeNames()));
        assertEquals(-1, leaf.getBasicConstraints());
        assertEquals(from, leaf.getNotBefore().toInstant());
        assertEquals(from.plus(Duration.ofHours(1)), leaf.getNotAfter().toInstant());

        X509Certificate service = ca.issue("pki", key.getPublic(), "urn:virtgate:service:pki-service",
                Duration.ofDays(1));
        assertNull(service.getExtendedKeyUsage());
        assertTrue(ca.certificate().getBasicConstraints() >= 0);
    }

    @Test
    void aCaLoadedFromItsKeyAndCertificateSignsCrlsAndCrossSignsItsSuccessor() throws Exception {
        TestCa loaded = TestCa.of(ca.keyPair(), ca.certificate());
        X509Certificate leaf = loaded.leaf(TestKeys.p256().getPublic()).subject("CN=h2").issue();
        X509CRL crl = loaded.crl(7, List.of(leaf.getSerialNumber()), Instant.now().plus(Duration.ofHours(1)));
        crl.verify(ca.certificate().getPublicKey());
        assertTrue(crl.isRevoked(leaf));
        assertEquals(ca.certificate().getSubjectX500Principal(), crl.getIssuerX500Principal());
        assertTrue(crl.getThisUpdate().toInstant().isBefore(Instant.now()));
        assertEquals(BigInteger.valueOf(7), new BigInteger(1, org.bouncycastle.asn1.ASN1OctetString.getInstance(
                crl.getExtensionValue("2.5.29.20")).getOctets()).mod(BigInteger.valueOf(256)));

        TestCa next = new TestCa(new X500Principal("CN=unit CA,O=virtgate"));
        X509Certificate cross = ca.crossSign(next);
        cross.verify(ca.certificate().getPublicKey());
        assertEquals(next.certificate().getPublicKey(), cross.getPublicKey());
        assertTrue(cross.getBasicConstraints() >= 0);
    }

    @Test
    void aRootOfAnyKeySignsASubordinateCaThatMaySignOnlyLeaves() throws Exception {
        TestCa root = new TestCa(new X500Principal("CN=offline root,O=Example"), TestKeys.ec("secp384r1"));
        assertEquals("CN=offline root,O=Example", root.certificate().getSubjectX500Principal().getName());
        root.certificate().verify(root.certificate().getPublicKey());
        X509Certificate sub = root.leaf(TestKeys.p256().getPublic()).subject("CN=issuing").subordinateCa(0).issue();
        sub.verify(root.certificate().getPublicKey());
        assertEquals(0, sub.getBasicConstraints());
        assertTrue(sub.getKeyUsage()[5] && sub.getKeyUsage()[6] && !sub.getKeyUsage()[0]);
    }

    @Test
    void privateKeysRoundTripThroughPkcs8PemWithTheirPublicPoint() throws Exception {
        KeyPair key = TestKeys.p256();
        String pem = TestKeys.pkcs8Pem(key.getPrivate());
        assertTrue(pem.startsWith("-----BEGIN PRIVATE KEY-----"));
        ECPrivateKey read = (ECPrivateKey) TestKeys.privateKey(pem);
        assertEquals(((ECPrivateKey) key.getPrivate()).getS(), read.getS());
        // GnuTLS wants the public point inside the PKCS#8 structure
        var info = org.bouncycastle.asn1.pkcs.PrivateKeyInfo.getInstance(read.getEncoded());
        assertTrue(org.bouncycastle.asn1.sec.ECPrivateKey.getInstance(info.parsePrivateKey()).getPublicKey() != null);
        assertThrows(IllegalStateException.class, () -> TestKeys.ec("no-such-curve"));
    }

    private static org.bouncycastle.operator.ContentVerifierProvider verifier(PKCS10CertificationRequest csr)
            throws Exception {
        return new JcaContentVerifierProviderBuilder().setProvider(TestKeys.BC).build(csr.getSubjectPublicKeyInfo());
    }
}
