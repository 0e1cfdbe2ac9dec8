package dev.virtgate.support.outbox;

import java.time.Instant;
import java.util.UUID;

/**
 * What the relay sends for one outbox row. Fired as a CDI event by {@link OutboxWriter} and observed
 * after the transaction committed, so that the relay can send the row without reading it back.
 */
public record OutboxRecord(long id, UUID eventId, String topic, String recordKey, String ceType, String ceSource,
        Instant ceTime, String payload, String signature) {

    static OutboxRecord of(OutboxEvent row) {
        return new OutboxRecord(row.id, row.eventId, row.topic, row.recordKey, row.ceType, row.ceSource, row.ceTime,
                row.payload, row.signature);
    }
}
