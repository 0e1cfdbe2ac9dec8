package dev.virtgate.migration.repository;

public enum MigrationState {
    REQUESTED, RUNNING, COMPLETED, FAILED, CANCELLED;

    public boolean terminal() {
        return this == COMPLETED || this == FAILED || this == CANCELLED;
    }
}
