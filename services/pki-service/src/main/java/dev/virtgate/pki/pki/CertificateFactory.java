package dev.virtgate.pki.pki;

import dev.virtgate.pki.config.CaKeyType;
import org.bouncycastle.asn1.ASN1Encodable;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AuthorityKeyIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.bc.BcX509ExtensionUtils;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCS10CertificationRequestBuilder;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;

/**
 * Builds certificates with BouncyCastle; every signature comes from a {@link CaSigner} (Transit).
 * Each result is verified against the CA's public key before it is returned, so a certificate
 * signed by any other key can never leave this class.
 */
public final class CertificateFactory {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final BcX509ExtensionUtils EXTENSIONS = new BcX509ExtensionUtils();
    private static final java.util.Map<SubjectPublicKeyInfo, ContentVerifierProvider> CA_VERIFIERS =
            new java.util.concurrent.ConcurrentHashMap<>();

    private final CaKeyType keyType;
    private final CaSigner signer;

    public CertificateFactory(CaKeyType keyType, CaSigner signer) {
        this.keyType = keyType;
        this.signer = signer;
    }

    /** The issuing CA: its certificate and the Transit key version whose public key it carries. */
    public record Issuer(X509CertificateHolder certificate, int keyVersion) {
    }

    /** A 128-bit random serial, positive and non-zero. */
    public static BigInteger newSerial() {
        BigInteger serial;
        do {
            byte[] bytes = new byte[16];
            RANDOM.nextBytes(bytes);
            serial = new BigInteger(1, bytes);
        } while (serial.signum() == 0);
        return serial;
    }

    public X509CertificateHolder leaf(Issuer issuer, HostIdentity host, SubjectPublicKeyInfo publicKey,
            BigInteger serial, Instant notBefore, Instant notAfter) {
        List<GeneralName> san = new ArrayList<>();
        host.allDnsNames().forEach(name -> san.add(new GeneralName(GeneralName.dNSName, name)));
        host.ipAddresses().forEach(ip -> san.add(new GeneralName(GeneralName.iPAddress, ip)));
        // the agent's event signatures are attributed to the host this URI names
        san.add(new GeneralName(GeneralName.uniformResourceIdentifier, host.uri()));
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer.certificate().getSubject(), serial,
                Date.from(notBefore), Date.from(notAfter), host.subject(), publicKey);
        add(builder, Extension.basicConstraints, true, new BasicConstraints(false));
        add(builder, Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyEncipherment));
        add(builder, Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
        add(builder, Extension.subjectAlternativeName, false, new GeneralNames(san.toArray(GeneralName[]::new)));
        add(builder, Extension.subjectKeyIdentifier, false, EXTENSIONS.createSubjectKeyIdentifier(publicKey));
        add(builder, Extension.authorityKeyIdentifier, false, authorityKeyId(issuer.certificate()));
        return signAndCheck(builder, issuer.keyVersion(), issuer.certificate().getSubjectPublicKeyInfo());
    }

    /**
     * An API client's leaf: clientAuth only, so it cannot serve TLS, and exactly one URI SAN (the
     * role); no DNS or IP names, so it cannot pass for a host either.
     */
    public X509CertificateHolder clientLeaf(Issuer issuer, ClientIdentity client, SubjectPublicKeyInfo publicKey,
            BigInteger serial, Instant notBefore, Instant notAfter) {
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer.certificate().getSubject(), serial,
                Date.from(notBefore), Date.from(notAfter), client.subject(), publicKey);
        add(builder, Extension.basicConstraints, true, new BasicConstraints(false));
        add(builder, Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        add(builder, Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_clientAuth));
        add(builder, Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, client.roleUri())));
        add(builder, Extension.subjectKeyIdentifier, false, EXTENSIONS.createSubjectKeyIdentifier(publicKey));
        add(builder, Extension.authorityKeyIdentifier, false, authorityKeyId(issuer.certificate()));
        return signAndCheck(builder, issuer.keyVersion(), issuer.certificate().getSubjectPublicKeyInfo());
    }

    /**
     * The certificate of a service's event-signing Transit key: digitalSignature only, no extended key
     * usage (it authenticates events, never a TLS peer) and exactly one URI SAN, the service's URN.
     */
    public X509CertificateHolder signerLeaf(Issuer issuer, SignerIdentity signer, SubjectPublicKeyInfo publicKey,
            BigInteger serial, Instant notBefore, Instant notAfter) {
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(issuer.certificate().getSubject(), serial,
                Date.from(notBefore), Date.from(notAfter), signer.subject(), publicKey);
        add(builder, Extension.basicConstraints, true, new BasicConstraints(false));
        add(builder, Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
        add(builder, Extension.subjectAlternativeName, false,
                new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, signer.uri())));
        add(builder, Extension.subjectKeyIdentifier, false, EXTENSIONS.createSubjectKeyIdentifier(publicKey));
        add(builder, Extension.authorityKeyIdentifier, false, authorityKeyId(issuer.certificate()));
        return signAndCheck(builder, issuer.keyVersion(), issuer.certificate().getSubjectPublicKeyInfo());
    }

    /** A self-signed root whose key is Transit key version {@code keyVersion}. */
    public X509CertificateHolder selfSignedCa(X500Name subject, SubjectPublicKeyInfo caKey, int keyVersion,
            Duration validity) {
        Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject, newSerial(),
                Date.from(now.minus(Duration.ofMinutes(5))), Date.from(now.plus(validity)), subject, caKey);
        add(builder, Extension.basicConstraints, true, new BasicConstraints(0));
        add(builder, Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        add(builder, Extension.subjectKeyIdentifier, false, EXTENSIONS.createSubjectKeyIdentifier(caKey));
        add(builder, Extension.authorityKeyIdentifier, false, EXTENSIONS.createAuthorityKeyIdentifier(caKey));
        return signAndCheck(builder, keyVersion, caKey);
    }

    /** The CSR of an intermediate CA, for an operator to sign offline. */
    public PKCS10CertificationRequest intermediateCsr(X500Name subject, SubjectPublicKeyInfo caKey, int keyVersion) {
        try {
            ExtensionsGenerator extensions = new ExtensionsGenerator();
            extensions.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            extensions.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            return new PKCS10CertificationRequestBuilder(subject, caKey)
                    .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
                    .build(new TransitContentSigner(keyType, keyVersion, signer));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static AuthorityKeyIdentifier authorityKeyId(X509CertificateHolder ca) {
        Extension ski = ca.getExtension(Extension.subjectKeyIdentifier);
        if (ski != null) {
            return new AuthorityKeyIdentifier(
                    org.bouncycastle.asn1.x509.SubjectKeyIdentifier.getInstance(ski.getParsedValue()).getKeyIdentifier());
        }
        return EXTENSIONS.createAuthorityKeyIdentifier(ca.getSubjectPublicKeyInfo());
    }

    private X509CertificateHolder signAndCheck(X509v3CertificateBuilder builder, int keyVersion,
            SubjectPublicKeyInfo expectedSigner) {
        X509CertificateHolder holder = builder.build(new TransitContentSigner(keyType, keyVersion, signer));
        if (!verifies(holder, expectedSigner)) {
            throw new IllegalStateException("Transit key version " + keyVersion
                    + " does not match the CA certificate: refusing to issue");
        }
        return holder;
    }

    static boolean verifies(X509CertificateHolder holder, SubjectPublicKeyInfo key) {
        try {
            // One provider (one key object) per CA key: BouncyCastle keeps its precomputed point
            // tables on it, which halves the cost of the check done after every signature.
            ContentVerifierProvider verifier = CA_VERIFIERS.computeIfAbsent(key, k -> {
                try {
                    return dev.virtgate.pki.pki.Verifiers.builder().build(k);
                } catch (org.bouncycastle.operator.OperatorCreationException e) {
                    throw new IllegalArgumentException(e);
                }
            });
            return holder.isSignatureValid(verifier);
        } catch (Exception e) {
            return false;
        }
    }

    private static void add(X509v3CertificateBuilder builder, org.bouncycastle.asn1.ASN1ObjectIdentifier oid,
            boolean critical, ASN1Encodable value) {
        try {
            builder.addExtension(oid, critical, value);
        } catch (CertIOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
