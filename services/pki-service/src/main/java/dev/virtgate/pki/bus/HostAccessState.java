package dev.virtgate.pki.bus;

import dev.virtgate.bus.HostBusAccess;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.IssuedCertificate;
import dev.virtgate.pki.repository.RegisteredHost;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the broker should hold, read from the database: the CAs whose host certificates it accepts,
 * and the hosts that may use the bus (registered, not decommissioned, with a certificate neither
 * revoked nor expired).
 */
@ApplicationScoped
public class HostAccessState {

    /** Every active CA certificate (old and new during a rotation), PEM; empty before the first CA. */
    public Optional<String> trustedCas() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<CaCertificate> active = CaCertificate.active();
            return active.isEmpty() ? Optional.<String>empty()
                    : Optional.of(String.join("", active.stream().map(ca -> ca.certificatePem).toList()));
        });
    }

    /** The hosts that may use the bus now. */
    public List<HostBusAccess.Host> allowed() {
        return QuarkusTransaction.requiringNew().call(() -> {
            List<String> hostIds = IssuedCertificate.<IssuedCertificate>list(
                    "hostId not like ?1 and revokedAt is null and notAfter > ?2", IssuedCertificate.NOT_A_HOST,
                    Instant.now()).stream().map(c -> c.hostId).distinct().toList();
            return hostIds.stream().map(id -> RegisteredHost.<RegisteredHost>findById(id))
                    .filter(h -> h != null && h.decommissionedAt == null).map(HostAccessState::names).toList();
        });
    }

    /** One host's names and whether it may use the bus; empty if it is not registered. */
    public Optional<Decision> decide(String hostId) {
        return QuarkusTransaction.requiringNew().call(() -> {
            RegisteredHost host = RegisteredHost.findById(hostId);
            if (host == null) {
                return Optional.<Decision>empty();
            }
            boolean valid = host.decommissionedAt == null && IssuedCertificate.count(
                    "hostId = ?1 and revokedAt is null and notAfter > ?2", hostId, Instant.now()) > 0;
            return Optional.of(new Decision(names(host), valid));
        });
    }

    public record Decision(HostBusAccess.Host host, boolean allowed) {
    }

    private static HostBusAccess.Host names(RegisteredHost host) {
        return new HostBusAccess.Host(host.fqdn, host.clusterId, host.hostId);
    }
}
