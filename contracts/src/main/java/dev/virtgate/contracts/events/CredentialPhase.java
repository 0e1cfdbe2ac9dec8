package dev.virtgate.contracts.events;

/** Phases of a staged SASL rotation (see ARCHITECTURE.md). */
public enum CredentialPhase {
    STAGED, ACTIVE, RETIRED
}
