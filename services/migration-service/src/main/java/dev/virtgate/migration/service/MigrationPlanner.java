package dev.virtgate.migration.service;

import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.migration.negotiation.MigrationPlan;
import dev.virtgate.migration.negotiation.Negotiator;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.migration.rest.MigrationRequest;
import dev.virtgate.support.error.InvalidInputException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.time.Instant;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/** Checks a migration request's VM and hosts and negotiates its plan under the cluster policy. */
@ApplicationScoped
public class MigrationPlanner {
    /** What libvirt accepts as a domain name here (and the MigrationRequested schema allows). */
    static final Pattern VM_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    @Inject
    MigrationConfig config;

    @Inject
    PolicyService policies;

    /** Both hosts, the policy of the source's cluster and the plan negotiated under it. */
    record Planned(HostEntity source, HostEntity destination, ClusterPolicy policy, MigrationPlan plan) {
    }

    Planned negotiate(MigrationRequest request, Instant now) {
        if (!VM_NAME.matcher(request.vmName()).matches()) {
            throw InvalidInputException.unprocessable("vmName",
                    "not a libvirt domain name: letters, digits, '.', '_', '-', at most 64, starting alphanumeric");
        }
        if (request.sourceHostId().equals(request.destinationHostId())) {
            throw InvalidInputException.unprocessable("destinationHostId", "must differ from sourceHostId");
        }
        // one round trip; "id in ?1" would be translated to SQL anew on every call (its length varies)
        Map<String, HostEntity> hosts = HostEntity.<HostEntity>list("id = ?1 or id = ?2",
                request.sourceHostId(), request.destinationHostId()).stream()
                .collect(Collectors.toMap(h -> h.id, h -> h));
        HostEntity source = activeHost("sourceHostId", request.sourceHostId(), hosts);
        HostEntity destination = activeHost("destinationHostId", request.destinationHostId(), hosts);
        ClusterPolicy policy = policies.policyOf(source.clusterId);
        MigrationPlan plan = new Negotiator(config.postureMaxAge()).negotiate(HostRegistry.state(source),
                HostRegistry.state(destination), policy, now, request.bandwidthMiBps());
        return new Planned(source, destination, policy, plan);
    }

    private static HostEntity activeHost(String field, String hostId, Map<String, HostEntity> hosts) {
        HostEntity host = hosts.get(hostId);
        if (host == null) {
            throw InvalidInputException.unprocessable(field, "unknown host " + hostId);
        }
        if (host.decommissionedAt != null) {
            throw InvalidInputException.unprocessable(field, "host " + hostId + " is decommissioned");
        }
        return host;
    }
}
