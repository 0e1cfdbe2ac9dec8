package dev.virtgate.agent.trust;

import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.state.AgentState;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.x509.Extension;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.security.auth.x500.X500Principal;

/**
 * The CRLs this agent applied, one per issuing CA. A CRL is applied only when a trusted anchor
 * signed it and its CRL number is higher than that CA's last applied one, so a replayed older CRL
 * (genuine, signed) cannot un-revoke a certificate. crl.pem holds them all.
 */
public final class Revocations {

    public enum Result {
        APPLIED, NOT_NEWER, UNTRUSTED
    }

    private final AgentState state;
    private final Map<String, X509CRL> parsed = new HashMap<>();

    public Revocations(AgentState state) {
        this.state = state;
    }

    public synchronized Result apply(String crlPem, List<X509Certificate> anchors) {
        X509CRL crl = Pem.crl(crlPem);
        if (anchors.stream().noneMatch(a -> signedBy(crl, a))) {
            return Result.UNTRUSTED;
        }
        Optional<BigInteger> number = crlNumber(crl);
        if (number.isEmpty()) {
            return Result.UNTRUSTED; // without a number an older CRL cannot be told from a newer one
        }
        String issuer = crl.getIssuerX500Principal().getName(X500Principal.RFC2253);
        AgentState.AppliedCrl last = state.crls.get(issuer);
        if (last != null && number.get().compareTo(last.number()) <= 0) {
            return Result.NOT_NEWER;
        }
        state.crls.put(issuer, new AgentState.AppliedCrl(Pem.encode(crl), number.get()));
        state.crlPem = String.join("", state.crls.values().stream().map(c -> c.pem().strip() + "\n").toList());
        parsed.clear();
        return Result.APPLIED;
    }

    /** Whether an applied CRL of {@code cert}'s issuer lists it. */
    public synchronized boolean isRevoked(X509Certificate cert) {
        X509CRL crl = crlOf(cert.getIssuerX500Principal().getName(X500Principal.RFC2253));
        return crl != null && crl.isRevoked(cert);
    }

    /** Whether any applied CRL lists this serial (hex): peers are known by serial only. */
    public synchronized boolean listsSerial(String serialHex) {
        BigInteger serial = new BigInteger(serialHex, 16);
        return state.crls.keySet().stream().map(this::crlOf)
                .anyMatch(crl -> crl != null && crl.getRevokedCertificate(serial) != null);
    }

    private X509CRL crlOf(String issuer) {
        AgentState.AppliedCrl applied = state.crls.get(issuer);
        return applied == null ? null : parsed.computeIfAbsent(issuer, i -> Pem.crl(applied.pem()));
    }

    private static boolean signedBy(X509CRL crl, X509Certificate ca) {
        if (!crl.getIssuerX500Principal().equals(ca.getSubjectX500Principal())) {
            return false;
        }
        try {
            crl.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    static Optional<BigInteger> crlNumber(X509CRL crl) {
        byte[] ext = crl.getExtensionValue(Extension.cRLNumber.getId());
        if (ext == null) {
            return Optional.empty();
        }
        try {
            return Optional.of(ASN1Integer.getInstance(ASN1OctetString.getInstance(ext).getOctets()).getValue());
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }
}
