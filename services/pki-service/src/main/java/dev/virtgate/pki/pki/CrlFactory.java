package dev.virtgate.pki.pki;

import dev.virtgate.pki.config.CaKeyType;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;

import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Date;
import java.util.List;

/** Builds CRLs signed through Transit, checked against the CA certificate before use. */
public final class CrlFactory {

    public record Revoked(BigInteger serial, Instant revokedAt, int reasonCode) {
    }

    private final CaKeyType keyType;
    private final CaSigner signer;

    public CrlFactory(CaKeyType keyType, CaSigner signer) {
        this.keyType = keyType;
        this.signer = signer;
    }

    public X509CRLHolder build(CertificateFactory.Issuer issuer, long crlNumber, Instant thisUpdate,
            Instant nextUpdate, List<Revoked> revoked) {
        X509v2CRLBuilder builder = new X509v2CRLBuilder(issuer.certificate().getSubject(), Date.from(thisUpdate));
        builder.setNextUpdate(Date.from(nextUpdate));
        for (Revoked entry : revoked) {
            builder.addCRLEntry(entry.serial(), Date.from(entry.revokedAt()), entry.reasonCode());
        }
        try {
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(BigInteger.valueOf(crlNumber)));
            builder.addExtension(Extension.authorityKeyIdentifier, false,
                    CertificateFactory.authorityKeyId(issuer.certificate()));
        } catch (CertIOException e) {
            throw new UncheckedIOException(e);
        }
        X509CRLHolder crl = builder.build(new TransitContentSigner(keyType, issuer.keyVersion(), signer));
        try {
            if (!crl.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder()
                    .build(issuer.certificate().getSubjectPublicKeyInfo()))) {
                throw new IllegalStateException("CRL signature does not match the CA: refusing to publish");
            }
        } catch (IllegalStateException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException("CRL signature cannot be checked", e);
        }
        return crl;
    }

    /** RFC 5280 reason code for an operator's reason text; unspecified unless it names one. */
    public static int reasonCode(String reason) {
        if (reason == null) {
            return CRLReason.unspecified;
        }
        String r = reason.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z]", "");
        return switch (r) {
            case "keycompromise" -> CRLReason.keyCompromise;
            case "cacompromise" -> CRLReason.cACompromise;
            case "affiliationchanged" -> CRLReason.affiliationChanged;
            case "superseded" -> CRLReason.superseded;
            case "cessationofoperation", "decommissioned" -> CRLReason.cessationOfOperation;
            default -> CRLReason.unspecified;
        };
    }
}
