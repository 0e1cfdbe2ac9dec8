package dev.virtgate.contracts;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;

/** CloudEvents attributes of one event; rendered as {@code ce_} Kafka headers (binary mode). */
public record EventEnvelope(String id, String source, EventType type, String subject, Instant time) {

    /**
     * A new envelope stamped now, to the microsecond: ce_time is signed, and an outbox row relayed
     * from PostgreSQL (which keeps microseconds) must carry exactly the time that was signed.
     */
    public static EventEnvelope of(String source, Event event) {
        return new EventEnvelope(UUID.randomUUID().toString(), source, EventType.of(event.getClass()),
                event.subject(), Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MICROS));
    }

    public Map<String, String> headers() {
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put(CloudEventHeaders.SPEC_VERSION, CloudEventHeaders.SPEC_VERSION_1_0);
        headers.put(CloudEventHeaders.ID, id);
        headers.put(CloudEventHeaders.SOURCE, source);
        headers.put(CloudEventHeaders.TYPE, type.ceType());
        headers.put(CloudEventHeaders.TIME, time.toString());
        headers.put(CloudEventHeaders.SUBJECT, subject);
        headers.put(CloudEventHeaders.CONTENT_TYPE, CloudEventHeaders.JSON);
        return headers;
    }

    /** Parses headers of a received record; missing attributes make it a poison event. */
    public static EventEnvelope fromHeaders(Map<String, String> headers) {
        for (String required : new String[] {CloudEventHeaders.ID, CloudEventHeaders.SOURCE, CloudEventHeaders.TYPE,
                CloudEventHeaders.TIME}) {
            if (headers.get(required) == null || headers.get(required).isBlank()) {
                throw new InvalidEventException("missing CloudEvents header " + required, java.util.List.of(required));
            }
        }
        EventType type = EventType.ofCeType(headers.get(CloudEventHeaders.TYPE))
                .orElseThrow(() -> new InvalidEventException("unknown ce_type", java.util.List.of(CloudEventHeaders.TYPE)));
        Instant time;
        try {
            time = Instant.parse(headers.get(CloudEventHeaders.TIME));
        } catch (RuntimeException e) {
            throw new InvalidEventException("ce_time is not an RFC 3339 instant", java.util.List.of(CloudEventHeaders.TIME));
        }
        return new EventEnvelope(headers.get(CloudEventHeaders.ID), headers.get(CloudEventHeaders.SOURCE), type,
                headers.get(CloudEventHeaders.SUBJECT), time);
    }
}
