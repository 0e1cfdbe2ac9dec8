package dev.virtgate.contracts.events;

public enum CheckStatus {
    PASS, FAIL, SKIPPED
}
