package dev.virtgate.pki.service;

import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.pki.CsrInspector;
import dev.virtgate.pki.repository.RegisteredHost;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.transaction.Transactional;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;

/** Keeps the registered hosts' names and enrollment keys from HostRegistered (signed by migration-service). */
@ApplicationScoped
public class HostRegistry {
    private static final Logger LOG = Logger.getLogger(HostRegistry.class);

    @Transactional(Transactional.TxType.MANDATORY)
    public RegisteredHost register(HostRegistered event) {
        RegisteredHost host = RegisteredHost.findById(event.hostId());
        boolean fresh = host == null;
        if (fresh) {
            host = new RegisteredHost();
            host.hostId = event.hostId();
        }
        host.clusterId = event.clusterId();
        host.fqdn = event.fqdn().toLowerCase(Locale.ROOT);
        host.dnsNames = String.join(",", Stream.concat(Stream.of(event.fqdn()), event.dnsNames().stream())
                .map(n -> n.toLowerCase(Locale.ROOT)).distinct().toList());
        host.ipAddresses = String.join(",", Stream.concat(event.managementAddresses().stream(),
                        event.migrationAddresses() == null ? Stream.<String>empty() : event.migrationAddresses().stream())
                .map(CsrInspector::canonicalIp).distinct().toList());
        if (!event.enrollmentKey().equals(host.enrollmentKey)) {
            host.tokenUsedAt = null; // a new token (re-registration) may be used once, by a key of its own
            host.enrolledKeySha256 = null;
        }
        host.enrollmentKey = event.enrollmentKey();
        host.tokenExpiresAt = event.enrollmentTokenExpiresAt();
        host.decommissionedAt = null;
        host.registeredAt = Instant.now();
        if (fresh) {
            host.persist();
        }
        LOG.infof("host %s registered (cluster %s)", host.hostId, host.clusterId);
        return host;
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void decommission(HostDecommissioned event) {
        RegisteredHost host = RegisteredHost.findById(event.hostId());
        if (host != null) {
            host.decommissionedAt = Instant.now();
        }
    }

    public static List<String> names(RegisteredHost host) {
        return host.dnsNameList();
    }
}
