package dev.virtgate.migration.service;

import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.support.error.UnavailableException;
import dev.virtgate.support.trust.PublishedTrust;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.security.cert.X509Certificate;
import java.util.List;

/**
 * The CA fingerprint of the enrollment bundle: the agent pins it, as {@code kubeadm join} pins
 * {@code --discovery-token-ca-cert-hash}. Read from the bundle pki-service published in OpenBao,
 * whose first certificate is the current CA.
 */
@ApplicationScoped
public class CaFingerprint {

    @Inject
    PublishedTrust trust;

    /** {@code sha256:<hex>} of the current CA; 503 while pki-service has published none. */
    public String current() {
        List<X509Certificate> cas = trust.certificateAuthorities();
        if (cas.isEmpty()) {
            throw UnavailableException.retryAfterSeconds(
                    "no CA is published yet (pki-service has not started): nothing was registered", 5);
        }
        return EventSignatures.fingerprint(cas.get(0));
    }
}
