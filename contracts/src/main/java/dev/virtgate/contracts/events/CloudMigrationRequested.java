package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

/**
 * A migration asked for by an external cloud over the bus: exactly the body of
 * {@code POST /v1/migrations}, plus the cloud's own request id (the idempotency key and the key of
 * the answer, {@link CloudRequestAnswered}). Signed like every event ({@code ce_signature}), here with
 * the private key of an API client certificate virtgate's CA issued ({@code ce_signerchain}).
 */
public record CloudMigrationRequested(
        String requestId,
        String vmName,
        String sourceHostId,
        String destinationHostId,
        Integer bandwidthMiBps) implements Event {

    @Override
    public String subject() {
        return requestId;
    }
}
