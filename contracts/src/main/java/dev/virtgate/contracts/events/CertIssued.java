package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.time.Instant;
import java.util.List;

/**
 * A certificate was issued for a host. {@code libvirtDn} is the subject in the order libvirt's
 * {@code virt-pki-query-dn} prints, ready for {@code tls_allowed_dn_list}.
 */
public record CertIssued(
        String hostId,
        String clusterId,
        String serial,
        String subjectDn,
        String libvirtDn,
        String certificatePem,
        List<String> chainPem,
        List<String> caBundlePem,
        Instant notBefore,
        Instant notAfter,
        String reason) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
