package dev.virtgate.agent.messaging;

import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.bus.BusSecurity;
import dev.virtgate.contracts.BusAccess;

import java.security.cert.X509Certificate;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Who the agent is on the bus and the client settings that say so: the enrollment principal
 * (SCRAM on the CLIENTS listener) until the host has a certificate, then the host certificate
 * itself on the HOSTS listener (mTLS; the broker's principal is the certificate's subject DN).
 * Two identities are the same when they name the same certificate: a renewal is a new identity.
 */
public record BusIdentity(String principal, String certSerial, Map<String, Object> clientConfig) {

    /** Where the bus is and how the broker is trusted; the secrets come per identity. */
    public record Settings(String enrollmentBootstrap, String enrollmentPassword, String tlsBootstrap, String busCaPem) {
    }

    public static BusIdentity of(Settings settings, Optional<HostIdentity.Signing> signing) {
        if (signing.isEmpty()) {
            return new BusIdentity("host-enrollment", null,
                    enrollmentClientConfig(settings.enrollmentBootstrap(), settings.enrollmentPassword()));
        }
        HostIdentity.Signing s = signing.get();
        X509Certificate leaf = s.chain().get(0);
        String chainPem = s.chain().stream().map(Pem::encode).collect(Collectors.joining());
        return new BusIdentity(leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                hostClientConfig(settings.tlsBootstrap(), s.key().privateKeyPem(), chainPem,
                        settings.busCaPem()));
    }

    /** The serial of the certificate a signing identity would log in with; null before the first certificate. */
    public static String serialOf(Optional<HostIdentity.Signing> signing) {
        return signing.map(s -> s.chain().get(0).getSerialNumber().toString(16)).orElse(null);
    }

    /** Same principal, same certificate: no rebuild needed. */
    public boolean sameAs(BusIdentity other) {
        return other != null && principal.equals(other.principal)
                && java.util.Objects.equals(certSerial, other.certSerial);
    }

    // TODO(foundation): BusSecurity.enrollmentClientConfig / hostClientConfig once wt/busmtls is merged
    private static Map<String, Object> enrollmentClientConfig(String bootstrap, String password) {
        return BusSecurity.clientConfig(bootstrap, "host-enrollment", password);
    }

    private static Map<String, Object> hostClientConfig(String bootstrap, String keyPem, String chainPem, String caPem) {
        Map<String, Object> c = new java.util.LinkedHashMap<>();
        c.put("bootstrap.servers", bootstrap);
        c.put("security.protocol", "SSL");
        c.put("ssl.keystore.type", "PEM");
        c.put("ssl.keystore.key", keyPem);
        c.put("ssl.keystore.certificate.chain", chainPem);
        c.put("ssl.truststore.type", "PEM");
        c.put("ssl.truststore.certificates", caPem);
        return c;
    }

    @Override
    public String toString() { // the client config holds the key or the password: never printed
        return principal + (certSerial == null ? "" : " (certificate " + certSerial + ")");
    }
}
