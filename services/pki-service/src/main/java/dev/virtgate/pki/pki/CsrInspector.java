package dev.virtgate.pki.pki;

import dev.virtgate.support.error.InvalidInputException;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.asn1.sec.SECObjectIdentifiers;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.asn1.pkcs.Attribute;
import org.bouncycastle.operator.OperatorCreationException;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.security.PublicKey;
import java.security.interfaces.RSAPublicKey;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Parses a PEM CSR and refuses what must not be signed: unparseable, not self-signed by its key,
 * weak keys (RSA below 2048 bits, curves other than P-256/P-384, other algorithms), SAN types other
 * than DNS and IP. Returns the names it asks for; whether they belong to the host is checked later.
 */
public final class CsrInspector {
    private static final Set<ASN1ObjectIdentifier> CURVES = Set.of(SECObjectIdentifiers.secp256r1,
            SECObjectIdentifiers.secp384r1);

    public record CsrFacts(PKCS10CertificationRequest csr, SubjectPublicKeyInfo publicKeyInfo, PublicKey publicKey,
            String commonName, List<String> dnsNames, List<String> ipAddresses) {
    }

    public static CsrFacts inspect(String csrPem) {
        if (csrPem == null || csrPem.isBlank()) {
            throw InvalidInputException.malformed("csrPem", "missing");
        }
        PKCS10CertificationRequest csr = Pem.csr(csrPem);
        if (csr == null) {
            throw InvalidInputException.malformed("csrPem", "not a PEM PKCS#10 certificate request");
        }
        SubjectPublicKeyInfo info = csr.getSubjectPublicKeyInfo();
        checkKeyStrength(info);
        PublicKey publicKey;
        try {
            publicKey = Pem.publicKey(info);
            boolean valid = csr.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(info));
            if (!valid) {
                throw InvalidInputException.unprocessable("csrPem",
                        "CSR signature does not verify with its public key");
            }
        } catch (PKCSException | OperatorCreationException | IllegalArgumentException e) {
            throw InvalidInputException.unprocessable("csrPem", "CSR signature cannot be verified");
        }
        if (publicKey instanceof RSAPublicKey rsa && rsa.getModulus().bitLength() < 2048) {
            throw InvalidInputException.unprocessable("csrPem.publicKey", "RSA key shorter than 2048 bits");
        }
        String cn = null;
        for (RDN rdn : csr.getSubject().getRDNs(BCStyle.CN)) {
            cn = IETFUtils.valueToString(rdn.getFirst().getValue()).toLowerCase(Locale.ROOT);
        }
        List<String> dns = new ArrayList<>();
        List<String> ips = new ArrayList<>();
        for (Attribute attribute : csr.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
            Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
            GeneralNames names = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
            if (names == null) {
                continue;
            }
            for (GeneralName name : names.getNames()) {
                switch (name.getTagNo()) {
                    case GeneralName.dNSName -> dns.add(name.getName().toString().toLowerCase(Locale.ROOT));
                    case GeneralName.iPAddress -> ips.add(ip(DEROctetString.getInstance(name.getName()).getOctets()));
                    default -> throw InvalidInputException.unprocessable("csrPem.subjectAltName",
                            "only DNS and IP subject alternative names are allowed");
                }
            }
        }
        return new CsrFacts(csr, info, publicKey, cn, dns, ips);
    }

    private static void checkKeyStrength(SubjectPublicKeyInfo info) {
        ASN1ObjectIdentifier algorithm = info.getAlgorithm().getAlgorithm();
        if (X9ObjectIdentifiers.id_ecPublicKey.equals(algorithm)) {
            Object parameters = info.getAlgorithm().getParameters();
            if (!(parameters instanceof ASN1ObjectIdentifier curve) || !CURVES.contains(curve)) {
                throw InvalidInputException.unprocessable("csrPem.publicKey",
                        "EC curve not allowed (P-256 or P-384 only)");
            }
        } else if (!PKCSObjectIdentifiers.rsaEncryption.equals(algorithm)) {
            throw InvalidInputException.unprocessable("csrPem.publicKey",
                    "key algorithm not allowed (EC P-256/P-384 or RSA >= 2048)");
        }
    }

    /** Canonical text of an address, so that "::1" and "0:0:0:0:0:0:0:1" compare equal. */
    public static String ip(byte[] octets) {
        try {
            return InetAddress.getByAddress(octets).getHostAddress();
        } catch (UnknownHostException e) {
            throw InvalidInputException.unprocessable("csrPem.subjectAltName", "malformed IP address");
        }
    }

    public static String canonicalIp(String address) {
        try {
            return InetAddress.getByName(address).getHostAddress();
        } catch (UnknownHostException e) {
            return address;
        }
    }

    private CsrInspector() {
    }
}
