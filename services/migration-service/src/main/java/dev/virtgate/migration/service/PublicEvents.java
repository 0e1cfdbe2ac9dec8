package dev.virtgate.migration.service;

import dev.virtgate.contracts.events.CertificateExpiring;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.events.HostPostureChanged;
import dev.virtgate.contracts.events.MigrationStateChanged;
import dev.virtgate.migration.repository.HostEntity;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.support.outbox.OutboxWriter;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import jakarta.transaction.Transactional;

import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What the public stream (virtgate.public.v1, docs/cloud-events.md) says, written through the outbox
 * in the transaction of the state change it reports. Only what an external system may know: no
 * requester, no URI, no flags, no credential.
 */
@ApplicationScoped
public class PublicEvents {
    /** The threshold of the VirtgateCertificateExpiringSoon alert (deploy/monitoring), ISO-8601. */
    public static final String CERT_EXPIRY_THRESHOLD = "P7D";
    public static final Duration CERT_EXPIRY_WARNING = Duration.parse(CERT_EXPIRY_THRESHOLD);

    @Inject
    OutboxWriter outbox;

    /** The posture facts the public stream carries: a report that changes none of them is not news. */
    public record Posture(boolean tlsListening, boolean saslListening, boolean nativeTlsMigration,
            boolean allChecksPass, List<String> failedChecks) {

        /** What the registry holds now; null before the host's first report. */
        static Posture of(HostEntity host, List<PostureCheck> checks) {
            if (host.probedAt == null) {
                return null;
            }
            return new Posture(host.tlsListening, host.saslListening, host.nativeTlsMigration,
                    Boolean.TRUE.equals(host.postureAllPass), checks.stream()
                            .filter(c -> c.status() == CheckStatus.FAIL).map(PostureCheck::name).sorted().toList());
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void migrationChanged(MigrationEntity m, Instant at) {
        String reason = m.state.terminal() && m.failureReason != null ? clip(m.failureReason, 1000) : null;
        outbox.write(new MigrationStateChanged(m.id, m.vmName, m.clusterId, m.sourceHostId, m.destinationHostId,
                m.mode, m.state.name(), reason, at));
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void postureChanged(HostEntity host, Posture before, Posture after) {
        if (!after.equals(before)) {
            outbox.write(new HostPostureChanged(host.id, host.clusterId, after.tlsListening(), after.saslListening(),
                    after.nativeTlsMigration(), after.allChecksPass(), after.failedChecks(), host.probedAt));
        }
    }

    @Transactional(Transactional.TxType.MANDATORY)
    public void certificateExpiring(HostEntity host) {
        outbox.write(new CertificateExpiring(host.id, host.clusterId, host.certSerial, host.certNotAfter,
                CERT_EXPIRY_THRESHOLD));
        host.certExpiryWarnedSerial = host.certSerial;
    }

    private static String clip(String text, int max) {
        return text.length() <= max ? text : text.substring(0, max);
    }
}
