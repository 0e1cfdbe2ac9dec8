package dev.virtgate.migration.service;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.migration.negotiation.HostState;
import dev.virtgate.migration.negotiation.Negotiator;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.migration.rest.HostRegistration;
import dev.virtgate.migration.rest.HostView;
import dev.virtgate.migration.rest.RegisterHostRequest;
import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecorder;
import dev.virtgate.support.error.ConflictException;
import dev.virtgate.support.error.InvalidField;
import dev.virtgate.support.error.InvalidInputException;
import dev.virtgate.support.error.NotFoundException;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * The host registry: registrations and decommissioning from the API, and what the API shows of each
 * host. What is learnt from events is applied by {@link HostUpdates}.
 */
@ApplicationScoped
public class HostRegistry {
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @Inject
    ClusterTlsReadiness readiness;

    @Inject
    OutboxWriter outbox;

    @Inject
    MigrationConfig config;

    @Inject
    CaFingerprint caFingerprint;

    @Inject
    PolicyService policies;

    @Inject
    AuditRecorder audit;

    @Transactional
    public HostRegistration register(RegisterHostRequest request, String requestedBy) {
        String fqdn = request.fqdn().toLowerCase(Locale.ROOT);
        if (!NetworkNames.isFqdn(fqdn)) {
            throw InvalidInputException.malformed("fqdn",
                    "must be a fully qualified DNS name (RFC 1123 labels, not an IP)");
        }
        List<String> dnsNames = names("dnsNames", request.dnsNames(), fqdn);
        List<String> management = addresses("managementAddresses", request.managementAddresses());
        List<String> migration = addresses("migrationAddresses", request.migrationAddresses());
        String hostId = request.hostId() != null ? request.hostId() : derivedId(fqdn);
        if (HostEntity.findById(hostId) != null) {
            throw conflict("hostId", "host " + hostId + " is already registered");
        }
        if (HostEntity.count("fqdn", fqdn) > 0) {
            throw conflict("fqdn", "a host named " + fqdn + " is already registered");
        }
        String caCertSha256 = caFingerprint.current();
        Instant now = Instant.now();
        String token = EnrollmentTokens.newToken();
        HostEntity host = new HostEntity();
        host.id = hostId;
        host.clusterId = request.clusterId();
        host.fqdn = fqdn;
        host.dnsNames = dnsNames;
        host.managementAddresses = management;
        host.migrationAddresses = migration;
        host.enrollmentKey = EnrollmentKey.fromToken(hostId, token).publicKey();
        host.enrollmentTokenExpiresAt = now.plus(config.enrollmentTokenTtl());
        host.registeredAt = now;
        host.registeredBy = requestedBy;
        host.persist();
        outbox.write(new HostRegistered(host.id, host.clusterId, host.fqdn, dnsNames, management, migration,
                host.enrollmentKey, host.enrollmentTokenExpiresAt));
        policies.republish(host.clusterId);
        readiness.recompute(host.clusterId);
        audit.accepted(AuditEntry.of(AuditActions.HOST_REGISTER, host.id).host(host.id).cluster(host.clusterId)
                .detail("fqdn=" + fqdn));
        return new HostRegistration(host.id, host.clusterId, host.fqdn, token, host.enrollmentTokenExpiresAt,
                caCertSha256);
    }

    /** Returns false when the host was already decommissioned (nothing emitted again). */
    @Transactional
    public boolean decommission(String hostId, String requestedBy) {
        HostEntity host = HostEntity.findById(hostId, LockModeType.PESSIMISTIC_WRITE);
        if (host == null) {
            throw new NotFoundException("no host " + hostId);
        }
        if (host.decommissionedAt != null) {
            return false;
        }
        host.decommissionedAt = Instant.now();
        outbox.write(new HostDecommissioned(host.id, host.clusterId, "decommissioned through the API", requestedBy));
        readiness.recompute(host.clusterId);
        audit.accepted(AuditEntry.of(AuditActions.HOST_DECOMMISSION, host.id).host(host.id).cluster(host.clusterId));
        return true;
    }

    public HostEntity require(String hostId) {
        HostEntity host = HostEntity.findById(hostId);
        if (host == null) {
            throw new NotFoundException("no host " + hostId);
        }
        return host;
    }

    public List<HostView> list(String clusterId) {
        List<HostEntity> hosts = clusterId == null ? HostEntity.list("order by id")
                : HostEntity.list("clusterId = ?1 order by id", clusterId);
        Instant now = Instant.now();
        return hosts.stream().map(h -> view(h, now)).toList();
    }

    public HostView get(String hostId) {
        return view(require(hostId), Instant.now());
    }

    // ---- views ----

    public static HostState state(HostEntity h) {
        return new HostState(h.id, h.clusterId, h.fqdn, h.migrationAddress(), h.certSerial, h.certNotBefore,
                h.certNotAfter, h.certRevokedAt, h.appliedCertSerial, h.tlsListening, h.saslListening,
                h.nativeTlsMigration, h.multifdTls, h.migrationProxyPort, h.credentialVersion, h.postureAllPass, h.failedCheck, h.probedAt,
                h.previousCertSerial == null ? null : new HostState.PreviousCertificate(h.previousCertSerial,
                        h.previousCertNotAfter, h.previousCertRevokedAt));
    }

    public HostView view(HostEntity h, Instant now) {
        Negotiator negotiator = new Negotiator(config.postureMaxAge());
        List<String> tlsProblems = h.decommissionedAt != null ? List.of("host is decommissioned")
                : negotiator.tlsProblems("host", state(h), now);
        HostView.Certificate cert = h.certSerial == null ? null
                : new HostView.Certificate(h.certSerial, h.certNotBefore, h.certNotAfter,
                        h.certNotAfter != null && !now.isBefore(h.certNotAfter), h.certRevokedAt != null,
                        h.certRevokedAt, h.appliedCertSerial);
        HostView.Credential credential = h.credentialVersion == null && h.credentialPhase == null ? null
                : new HostView.Credential(h.credentialVersion, h.credentialPhase);
        HostView.Posture posture = h.probedAt == null ? null
                : new HostView.Posture(h.probedAt, Math.max(0, Duration.between(h.probedAt, now).toSeconds()),
                        Duration.between(h.probedAt, now).compareTo(config.postureMaxAge()) <= 0, h.postureAllPass,
                        h.tlsListening, h.saslListening, h.nativeTlsMigration, tree(h.postureJson));
        String status = h.decommissionedAt != null ? "DECOMMISSIONED" : h.enrolledAt != null ? "ENROLLED" : "REGISTERED";
        return new HostView(h.id, h.clusterId, h.fqdn, status, h.dnsNames, h.managementAddresses, h.migrationAddresses,
                h.registeredAt, h.registeredBy, h.enrolledAt == null ? h.enrollmentTokenExpiresAt : null, h.enrolledAt,
                h.decommissionedAt, tree(h.capabilitiesJson), h.migrationProxyPort, cert, credential, posture, tlsProblems.isEmpty(),
                tlsProblems);
    }

    private static JsonNode tree(String json) {
        try {
            return json == null ? null : JSON.readTree(json);
        } catch (java.io.IOException e) {
            return null;
        }
    }

    // ---- validation ----

    private static List<String> names(String field, List<String> names, String fqdn) {
        LinkedHashSet<String> result = new LinkedHashSet<>();
        result.add(fqdn);
        if (names != null) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                if (!NetworkNames.isHostname(name)) {
                    throw InvalidInputException.malformed(field + "[" + i + "]",
                            "must be a DNS name (RFC 1123 labels)");
                }
                result.add(name.toLowerCase(Locale.ROOT));
            }
        }
        return List.copyOf(result);
    }

    private static List<String> addresses(String field, List<String> addresses) {
        List<String> result = new ArrayList<>();
        if (addresses != null) {
            for (int i = 0; i < addresses.size(); i++) {
                String address = addresses.get(i);
                if (!NetworkNames.isIp(address)) {
                    throw InvalidInputException.malformed(field + "[" + i + "]",
                            "must be an IPv4 or IPv6 address literal");
                }
                if (!result.contains(address)) {
                    result.add(address);
                }
            }
        }
        return List.copyOf(result);
    }

    private static String derivedId(String fqdn) {
        String label = fqdn.substring(0, fqdn.indexOf('.')).toLowerCase(Locale.ROOT);
        return label.length() > 63 ? label.substring(0, 63) : label;
    }

    private static ConflictException conflict(String field, String why) {
        return new ConflictException(why, List.of(new InvalidField(field, why)));
    }
}
