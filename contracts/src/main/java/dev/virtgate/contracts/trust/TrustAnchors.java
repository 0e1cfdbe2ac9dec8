package dev.virtgate.contracts.trust;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * What a consumer trusts: the CA certificates a signer chain must end in, and which certificates
 * are revoked. Services read both from the secret store (published by pki-service); an agent uses
 * the CA it pinned at enrollment and the last CRL that CA signed.
 */
public interface TrustAnchors {

    List<X509Certificate> certificateAuthorities();

    boolean isRevoked(X509Certificate certificate);

    static TrustAnchors of(List<X509Certificate> cas) {
        return new TrustAnchors() {
            @Override
            public List<X509Certificate> certificateAuthorities() {
                return cas;
            }

            @Override
            public boolean isRevoked(X509Certificate certificate) {
                return false;
            }
        };
    }
}
