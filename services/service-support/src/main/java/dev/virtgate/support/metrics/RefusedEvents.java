package dev.virtgate.support.metrics;

import dev.virtgate.contracts.EventType;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The one count of events a consumer refused and sent to its dead-letter topic:
 * {@code virtgate_events_refused_total{type, reason}}. Both labels are bounded: {@code type} is a
 * known ce_type (or {@code unknown}), {@code reason} one of the constants below. Tagged by neither
 * producer nor subject: those are the forger's choice.
 */
@ApplicationScoped
public class RefusedEvents {
    public static final String NAME = "virtgate.events.refused";
    /** Signature, signer certificate or authorization table (EventTrust). */
    public static final String UNTRUSTED = "untrusted";
    /** Not a known type, or not valid against its schema. */
    public static final String INVALID = "invalid";
    /** Authentic, but refused by the service's own state: enrollment key, migration source, a report from the future. */
    public static final String STATE = "state";
    public static final String UNKNOWN_TYPE = "unknown";

    @Inject
    MeterRegistry meters;

    public RefusedEvents() {
    }

    /** For tests of pure logic outside CDI. */
    public RefusedEvents(MeterRegistry meters) {
        this.meters = meters;
    }

    public void count(String ceType, String reason) {
        String type = ceType != null && EventType.ofCeType(ceType).isPresent() ? ceType : UNKNOWN_TYPE;
        meters.counter(NAME, "type", type, "reason", reason).increment();
    }
}
