package dev.virtgate.testsupport.trust;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;

import java.io.IOException;
import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.util.ArrayList;
import java.util.List;

/**
 * A PKCS#10 CSR as an agent or a client sends it: a subject, DNS and IP names in a requested
 * subjectAltName, signed by the key it certifies, or, for a test of a forged CSR, by {@link #signedBy another}.
 */
public final class TestCsr {
    private final KeyPair key;
    private X500Name subject;
    private final List<GeneralName> names = new ArrayList<>();
    private PrivateKey signer;

    private TestCsr(KeyPair key) {
        this.key = key;
        this.signer = key.getPrivate();
    }

    public static TestCsr forKey(KeyPair key) {
        return new TestCsr(key);
    }

    /** A CSR for {@code CN=<cn>} with these DNS and IP names (none: no subjectAltName), as PEM. */
    public static String pem(KeyPair key, String cn, List<String> dns, List<String> ips) {
        return forKey(key).commonName(cn).dns(dns).ips(ips).pem();
    }

    public TestCsr commonName(String cn) {
        return subject("CN=" + cn);
    }

    /** The subject as BouncyCastle reads a DN: the first RDN is the first in DER (the JDK prints it last). */
    public TestCsr subject(String dn) {
        subject = new X500Name(dn);
        return this;
    }

    public TestCsr dns(List<String> dnsNames) {
        dnsNames.forEach(n -> names.add(new GeneralName(GeneralName.dNSName, n)));
        return this;
    }

    public TestCsr ips(List<String> addresses) {
        addresses.forEach(ip -> names.add(new GeneralName(GeneralName.iPAddress, ip)));
        return this;
    }

    /** Signs with {@code other} instead of the certified key: the CSR's signature does not verify. */
    public TestCsr signedBy(PrivateKey other) {
        signer = other;
        return this;
    }

    public PKCS10CertificationRequest request() {
        try {
            var builder = new JcaPKCS10CertificationRequestBuilder(subject, key.getPublic());
            if (!names.isEmpty()) {
                ExtensionsGenerator extensions = new ExtensionsGenerator();
                extensions.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(names.toArray(GeneralName[]::new)));
                builder.addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate());
            }
            return builder.build(TestKeys.signer(signer));
        } catch (IOException e) {
            throw new IllegalStateException("cannot build test CSR", e);
        }
    }

    public String pem() {
        return TestCa.pem(request());
    }

    /** The key a CSR (PEM) asks to certify. */
    public static PublicKey publicKey(String csrPem) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            return new JcaPKCS10CertificationRequest((PKCS10CertificationRequest) parser.readObject()).getPublicKey();
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("not a CSR", e);
        }
    }
}
