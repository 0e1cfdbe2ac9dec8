package dev.virtgate.agent.pki;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/**
 * A throwaway CA in memory. The self-probe uses one as the "foreign CA" whose client certificate
 * libvirtd must refuse; tests use one standing in for pki-service.
 */
public final class MiniCa {
    private final KeyPair key = HostKey.generate();
    private final X509Certificate cert;

    public MiniCa(String name) {
        try {
            X500Name subject = new X500Name("O=" + name + ",CN=" + name + " CA");
            Instant now = Instant.now();
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(subject, serial(), Date.from(now.minusSeconds(60)),
                    Date.from(now.plus(Duration.ofDays(2))), subject, key.getPublic())
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                    .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            cert = sign(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** A leaf for server and client use: the subject in certificate order, SAN DNS + IP. */
    public X509Certificate issue(PublicKey subjectKey, X500Name subject, List<String> dns, List<String> ips,
            Duration validity) {
        try {
            Instant now = Instant.now();
            GeneralName[] names = java.util.stream.Stream.concat(
                    dns.stream().map(d -> new GeneralName(GeneralName.dNSName, d)),
                    ips.stream().map(i -> new GeneralName(GeneralName.iPAddress, i))).toArray(GeneralName[]::new);
            X509v3CertificateBuilder b = new JcaX509v3CertificateBuilder(
                    X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()), serial(),
                    Date.from(now.minusSeconds(60)), Date.from(now.plus(validity)), subject, subjectKey)
                    .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                    .addExtension(Extension.keyUsage, true,
                            new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment | KeyUsage.keyAgreement))
                    .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
                            new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
                    .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(names));
            return sign(b);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    public String crlPem(List<BigInteger> revoked) {
        try {
            var b = new org.bouncycastle.cert.X509v2CRLBuilder(
                    X500Name.getInstance(cert.getSubjectX500Principal().getEncoded()), new Date());
            b.setNextUpdate(Date.from(Instant.now().plus(Duration.ofDays(1))));
            revoked.forEach(s -> b.addCRLEntry(s, new Date(), 0));
            var holder = b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate()));
            return Pem.encode(new org.bouncycastle.cert.jcajce.JcaX509CRLConverter().getCRL(holder));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private X509Certificate sign(X509v3CertificateBuilder b) throws Exception {
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(key.getPrivate())));
    }

    private static BigInteger serial() {
        return new BigInteger(96, new SecureRandom());
    }

    public X509Certificate certificate() {
        return cert;
    }

    public String certificatePem() {
        return Pem.encode(cert);
    }
}
