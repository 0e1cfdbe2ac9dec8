package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/**
 * A renewal CSR from an enrolled host. {@code possessionSignature} is the base64 signature
 * (SHA256withECDSA) over the CSR's DER by the key of the host's current certificate.
 */
public record CsrSubmitted(
        String hostId,
        String clusterId,
        String csrPem,
        String currentSerial,
        String possessionSignature) implements Event {

    @Override
    public String subject() {
        return hostId;
    }
}
