package dev.virtgate.migration.service;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.support.inbox.ReceivedEvent;
import dev.virtgate.support.trust.TrustConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.persistence.LockModeType;
import org.jboss.logging.Logger;

import java.time.Instant;
import java.util.HexFormat;

/**
 * What the registry learns from verified events: enrolment (capabilities), certificates issued and
 * revoked by pki-service, and the posture the host's own agent reports (with the migration capabilities
 * it re-discovers, so a libvirt or QEMU upgrade after enrolment counts). The producer is already
 * proven (signature and authorization table); the checks here need the registry's own state.
 */
@ApplicationScoped
public class HostUpdates {
    private static final Logger LOG = Logger.getLogger(HostUpdates.class);
    private static final ObjectMapper JSON = new ObjectMapper().findAndRegisterModules();

    @Inject
    Refusals refusals;

    @Inject
    TrustConfig trust;

    @Inject
    ClusterTlsReadiness readiness;

    @Inject
    PublicEvents publicEvents;

    /**
     * The proof must verify with the enrollment key registered for this host, before the token expires;
     * the first CSR key that proves it binds the token, and a second key presenting it is refused.
     */
    public void apply(HostEnrolled event, ReceivedEvent received) {
        HostEntity host = known(event.hostId(), event.clusterId(), "HostEnrolled");
        if (host == null) {
            return;
        }
        if (host.decommissionedAt != null) {
            throw refusals.refuse(received, "host " + host.id + " is decommissioned");
        }
        boolean couldBefore = readiness.canMigrateNatively(host);
        if (!host.fqdn.equals(event.fqdn())) {
            throw refusals.refuse(received, "host " + host.id + " is registered as " + host.fqdn + ", not "
                    + event.fqdn());
        }
        String csrKey = csrKeyDigest(event.csrPem());
        if (host.enrolledKeySha256 != null && !host.enrolledKeySha256.equals(csrKey)) {
            throw refusals.refuse(received, "the enrollment token of host " + host.id
                    + " is already bound to another key");
        }
        if (host.enrolledKeySha256 == null && !Instant.now().isBefore(host.enrollmentTokenExpiresAt)) {
            throw refusals.refuse(received, "the enrollment token of host " + host.id + " expired at "
                    + host.enrollmentTokenExpiresAt);
        }
        if (!EnrollmentKey.verify(host.enrollmentKey, event.enrollmentProof(), event.hostId(), event.clusterId(),
                event.fqdn(), event.csrPem())) {
            throw refusals.refuse(received, "enrollment proof does not verify with the key registered for host "
                    + host.id);
        }
        if (host.enrolledKeySha256 == null) {
            host.enrolledKeySha256 = csrKey;
            host.enrolledAt = Instant.now();
        }
        host.capabilitiesJson = JSON.valueToTree(event.capabilities()).toString();
        host.multifdTls = event.capabilities() != null && event.capabilities().multifdTls();
        host.migrationProxyPort = event.capabilities() == null ? null : event.capabilities().migrationProxyPort();
        if (host.probedAt == null && event.capabilities() != null) {
            host.nativeTlsMigration = event.capabilities().nativeTlsMigration();
        }
        readiness.afterHostChange(host, couldBefore);
    }

    public void apply(CertIssued event) {
        HostEntity host = known(event.hostId(), event.clusterId(), "CertIssued");
        if (host == null) {
            return;
        }
        boolean couldBefore = readiness.canMigrateNatively(host);
        if (host.certNotBefore != null && event.notBefore().isBefore(host.certNotBefore)
                && !event.serial().equals(host.certSerial)) {
            return; // an older certificate arriving late
        }
        if (host.certSerial != null && !host.certSerial.equals(event.serial())) {
            host.previousCertSerial = host.certSerial;
            host.previousCertNotAfter = host.certNotAfter;
            host.previousCertRevokedAt = host.certRevokedAt;
        }
        host.certSerial = event.serial();
        host.certNotBefore = event.notBefore();
        host.certNotAfter = event.notAfter();
        host.certRevokedAt = null;
        readiness.afterHostChange(host, couldBefore);
    }

    public void apply(CertRevoked event) {
        HostEntity host = known(event.hostId(), event.clusterId(), "CertRevoked");
        boolean couldBefore = host != null && readiness.canMigrateNatively(host);
        if (host != null && event.serial().equals(host.certSerial)) {
            host.certRevokedAt = event.revokedAt();
        } else if (host != null && event.serial().equals(host.previousCertSerial)) {
            host.previousCertRevokedAt = event.revokedAt();
        }
        if (host != null) {
            readiness.afterHostChange(host, couldBefore);
        }
    }

    /**
     * A report from the future is refused: kept, it would make every later genuine report look older
     * and freeze the host's posture. A report older than the one in force changes nothing.
     */
    public void apply(HostConfigured event, ReceivedEvent received) {
        Instant latest = Instant.now().plus(trust.maxClockSkew());
        if (event.probedAt().isAfter(latest)) {
            throw refusals.refuse(received, "probedAt " + event.probedAt() + " is more than "
                    + trust.maxClockSkew().toMinutes() + " min in the future");
        }
        HostEntity host = known(event.hostId(), event.clusterId(), "HostConfigured");
        if (host == null) {
            return;
        }
        boolean couldBefore = readiness.canMigrateNatively(host);
        // a future probedAt stored before this check existed must not freeze the host either
        boolean inForce = host.probedAt != null && !host.probedAt.isAfter(latest);
        if (inForce && event.probedAt().isBefore(host.probedAt)) {
            return;
        }
        PublicEvents.Posture before = PublicEvents.Posture.of(host, storedChecks(host));
        host.appliedCertSerial = event.appliedCertSerial();
        host.credentialVersion = event.credentialVersion();
        host.credentialPhase = event.credentialPhase() == null ? null : event.credentialPhase().name();
        host.tlsListening = event.tlsListening();
        host.saslListening = event.saslListening();
        host.nativeTlsMigration = event.nativeTlsMigration();
        if (event.multifdTls() != null) { // null: an agent older than the field, enrolment's answer holds
            host.multifdTls = event.multifdTls();
        }
        // unlike multifdTls, null is an answer: the agent does not offer its migration proxy now
        host.migrationProxyPort = event.migrationProxyPort();
        host.postureJson = JSON.valueToTree(event.posture()).toString();
        host.postureAllPass = event.allChecksPass();
        host.failedCheck = event.posture().stream().filter(c -> c.status() == CheckStatus.FAIL)
                .map(PostureCheck::name).findFirst().orElse(null);
        host.probedAt = event.probedAt();
        readiness.afterHostChange(host, couldBefore);
        publicEvents.postureChanged(host, before, PublicEvents.Posture.of(host, event.posture()));
    }

    private static java.util.List<PostureCheck> storedChecks(HostEntity host) {
        if (host.postureJson == null) {
            return java.util.List.of();
        }
        try {
            return java.util.List.of(JSON.readValue(host.postureJson, PostureCheck[].class));
        } catch (java.io.IOException e) {
            return java.util.List.of(); // unreadable: the next report counts as a change
        }
    }

    private static HostEntity known(String hostId, String clusterId, String what) {
        HostEntity host = HostEntity.findById(hostId, LockModeType.PESSIMISTIC_WRITE);
        if (host == null || !host.clusterId.equals(clusterId)) {
            LOG.warnf("%s for unregistered host %s in cluster %s: ignored", what, hostId, clusterId);
            return null;
        }
        return host;
    }

    /** The verifier already proved the CSR's own signature (it signed the event with that key). */
    private static String csrKeyDigest(String csrPem) {
        return EventVerifier.csrKey(csrPem)
                .map(key -> HexFormat.of().formatHex(EventSignatures.sha256(key.getEncoded())))
                .orElseThrow(() -> new IllegalStateException("CSR of a verified HostEnrolled has no valid key"));
    }
}
