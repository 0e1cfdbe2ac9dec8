package dev.virtgate.support.outbox;

/** CDI event fired when a transaction wrote outbox rows; observed after commit to relay at once. */
public record OutboxWritten(long outboxId) {
}
