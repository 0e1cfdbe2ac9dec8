package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CredentialPhase;

/** A rotation was requested while another one is still walking its phases. */
public class RotationInProgressException extends RuntimeException {
    private final CredentialPhase phase;

    public RotationInProgressException(String clusterId, CredentialPhase phase) {
        super("a rotation of cluster " + clusterId + " is in progress (phase " + phase + ")");
        this.phase = phase;
    }

    public CredentialPhase phase() {
        return phase;
    }
}
