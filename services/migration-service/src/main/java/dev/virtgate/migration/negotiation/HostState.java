package dev.virtgate.migration.negotiation;

import java.time.Instant;

/**
 * What negotiation knows about one host, as the registry learnt it from events. Null fields mean
 * "never reported".
 *
 * @param certSerial         serial of the current certificate issued by this CA (CertIssued)
 * @param appliedCertSerial  serial the agent says libvirtd runs with (HostConfigured)
 * @param postureAllPass     every self-probe of the latest report passed
 * @param nativeTlsMigration QEMU can encrypt the migration stream itself
 * @param multifdTls         libvirt and QEMU run parallel (multifd) migration with TLS (HostEnrolled, then
 *                           the newest HostConfigured that carries it)
 * @param migrationProxyPort port of the agent's migration proxy (TLS_AGENT_PROXY); null: not offered
 * @param previousCert       the certificate the current one replaced, while libvirtd may still run it
 */
public record HostState(
        String hostId,
        String clusterId,
        String fqdn,
        String migrationAddress,
        String certSerial,
        Instant certNotBefore,
        Instant certNotAfter,
        Instant certRevokedAt,
        String appliedCertSerial,
        boolean tlsListening,
        boolean saslListening,
        boolean nativeTlsMigration,
        boolean multifdTls,
        Integer migrationProxyPort,
        Integer credentialVersion,
        Boolean postureAllPass,
        String failedCheck,
        Instant probedAt,
        PreviousCertificate previousCert) {

    /** A renewed host's earlier certificate: still good for TLS until it expires or is revoked. */
    public record PreviousCertificate(String serial, Instant notAfter, Instant revokedAt) {

        public boolean stillValidAt(Instant now) {
            return revokedAt == null && notAfter != null && now.isBefore(notAfter);
        }
    }
}
