package dev.virtgate.agent.messaging;

import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.bus.BusSecurity;
import dev.virtgate.contracts.BusAccess;

import dev.virtgate.contracts.Topics;

import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * Who the agent is on the bus and the client settings that say so: the enrollment principal
 * (SCRAM on the CLIENTS listener) until the host has a certificate, then the host certificate
 * itself on the HOSTS listener (mTLS; the broker's principal is the certificate's subject DN).
 * Two identities are the same when they name the same certificate: a renewal is a new identity.
 * The topics are those the identity may read: before its certificate only the hosts and PKI topics
 * (its certificate arrives there), afterwards also credentials and migration commands.
 */
public record BusIdentity(String principal, String certSerial, Map<String, Object> clientConfig, List<String> topics) {
    /** What a host reads once it has its certificate (contracts' BusAccess.hostGrant). */
    static final List<String> HOST_TOPICS = List.of(Topics.HOSTS, Topics.PKI, Topics.CREDENTIALS, Topics.MIGRATION_COMMANDS);

    /** Where the bus is and how the broker is trusted; the secrets come per identity. */
    public record Settings(String enrollmentBootstrap, String enrollmentPassword, String tlsBootstrap, String busCaPem) {
    }

    public static BusIdentity of(Settings settings, Optional<HostIdentity.Signing> signing) {
        if (signing.isEmpty()) {
            return new BusIdentity(BusAccess.HOST_ENROLLMENT, null,
                    BusSecurity.enrollmentClientConfig(settings.enrollmentBootstrap(), settings.enrollmentPassword()),
                    // only what that principal may read: subscribing to more would fail every poll
                    List.copyOf(BusAccess.grant(BusAccess.HOST_ENROLLMENT).reads()));
        }
        HostIdentity.Signing s = signing.get();
        X509Certificate leaf = s.chain().get(0);
        String chainPem = s.chain().stream().map(Pem::encode).collect(Collectors.joining());
        return new BusIdentity(leaf.getSubjectX500Principal().getName(), leaf.getSerialNumber().toString(16),
                BusSecurity.hostClientConfig(settings.tlsBootstrap(), s.key().privateKeyPem(), chainPem,
                        settings.busCaPem()), HOST_TOPICS);
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

    @Override
    public String toString() { // the client config holds the key or the password: never printed
        return principal + (certSerial == null ? "" : " (certificate " + certSerial + ")");
    }
}
