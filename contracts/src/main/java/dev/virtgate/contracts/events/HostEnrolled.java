package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/**
 * An agent enrolled its host: the CSR of a key generated on the host, the proof that it holds the
 * host's one-time enrollment token ({@link dev.virtgate.contracts.trust.EnrollmentKey}: a signature
 * over the CSR, never the token) and the discovered capabilities. The event itself is signed by
 * the CSR's key.
 */
public record HostEnrolled(
        String hostId,
        String clusterId,
        String fqdn,
        String csrPem,
        String enrollmentProof,
        HostCapabilities capabilities) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
