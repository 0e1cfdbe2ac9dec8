package dev.virtgate.pki.rest;

import dev.virtgate.pki.repository.CaCertificate;

import java.time.Instant;

public record CaView(Long id, String serial, String keyName, int keyVersion, String keyType, String status,
        Instant notAfter) {
    public static CaView of(CaCertificate ca) {
        return new CaView(ca.id, ca.serial, ca.keyName, ca.keyVersion, ca.keyType, ca.status.name(), ca.notAfter);
    }
}
