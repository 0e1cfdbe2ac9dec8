package dev.virtgate.testsupport.trust;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;

import javax.security.auth.x500.X500Principal;
import java.security.PublicKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * A certificate {@link TestCa} is about to issue: subject, subjectAltNames (DNS, IP, URI, in that order),
 * key usage (digitalSignature unless told), extended key usage (none unless told), an end entity unless
 * {@link #subordinateCa}, and validity (from five minutes ago, for a day, unless told).
 */
public final class TestLeaf {
    private final TestCa issuer;
    private final PublicKey subjectKey;
    private X500Name subject;
    private final List<GeneralName> dns = new ArrayList<>();
    private final List<GeneralName> ips = new ArrayList<>();
    private final List<GeneralName> uris = new ArrayList<>();
    private final List<KeyPurposeId> purposes = new ArrayList<>();
    private int keyUsage = KeyUsage.digitalSignature;
    private BasicConstraints constraints = new BasicConstraints(false);
    private Instant notBefore = Instant.now().minus(Duration.ofMinutes(5));
    private Duration validity = Duration.ofDays(1);

    TestLeaf(TestCa issuer, PublicKey subjectKey) {
        this.issuer = issuer;
        this.subjectKey = subjectKey;
    }

    /** The subject as BouncyCastle reads a DN: the first RDN is the first in DER (the JDK prints it last). */
    public TestLeaf subject(String dn) {
        return subject(new X500Name(dn));
    }

    /** The subject as the JDK reads and prints a DN (RFC 2253). */
    public TestLeaf subject(X500Principal dn) {
        return subject(X500Name.getInstance(dn.getEncoded()));
    }

    public TestLeaf subject(X500Name dn) {
        subject = dn;
        return this;
    }

    public TestLeaf dns(String... names) {
        return dns(List.of(names));
    }

    public TestLeaf dns(List<String> names) {
        names.forEach(n -> dns.add(new GeneralName(GeneralName.dNSName, n)));
        return this;
    }

    public TestLeaf ips(String... addresses) {
        return ips(List.of(addresses));
    }

    public TestLeaf ips(List<String> addresses) {
        addresses.forEach(a -> ips.add(new GeneralName(GeneralName.iPAddress, a)));
        return this;
    }

    /** A URI SAN, e.g. urn:virtgate:host:h1 or urn:virtgate:role:operator. */
    public TestLeaf uri(String uri) {
        uris.add(new GeneralName(GeneralName.uniformResourceIdentifier, uri));
        return this;
    }

    public TestLeaf serverAuth() {
        purposes.add(KeyPurposeId.id_kp_serverAuth);
        return this;
    }

    public TestLeaf clientAuth() {
        purposes.add(KeyPurposeId.id_kp_clientAuth);
        return this;
    }

    /** Bits of {@link KeyUsage}, e.g. {@code KeyUsage.digitalSignature | KeyUsage.keyEncipherment}. */
    public TestLeaf keyUsage(int bits) {
        keyUsage = bits;
        return this;
    }

    /** A subordinate CA (certificate and CRL signing) with at most {@code pathLength} CAs below it. */
    public TestLeaf subordinateCa(int pathLength) {
        constraints = new BasicConstraints(pathLength);
        keyUsage = KeyUsage.keyCertSign | KeyUsage.cRLSign;
        return this;
    }

    public TestLeaf notBefore(Instant from) {
        notBefore = from;
        return this;
    }

    public TestLeaf validity(Duration duration) {
        validity = duration;
        return this;
    }

    public X509Certificate issue() {
        List<GeneralName> names = new ArrayList<>(dns);
        names.addAll(ips);
        names.addAll(uris);
        ExtendedKeyUsage eku = purposes.isEmpty() ? null : new ExtendedKeyUsage(purposes.toArray(KeyPurposeId[]::new));
        return issuer.sign(subject, subjectKey, constraints, keyUsage, eku, names, notBefore, notBefore.plus(validity));
    }
}
