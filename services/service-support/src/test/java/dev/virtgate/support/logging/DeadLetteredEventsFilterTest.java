package dev.virtgate.support.logging;

import dev.virtgate.contracts.trust.EventRefusedException;
import org.junit.jupiter.api.Test;

import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DeadLetteredEventsFilterTest {
    private final DeadLetteredEventsFilter filter = new DeadLetteredEventsFilter();

    private static LogRecord record(String logger, Throwable thrown) {
        LogRecord r = new LogRecord(Level.SEVERE, "SRMSG00200: The method %s has thrown an exception");
        r.setLoggerName(logger);
        r.setThrown(thrown);
        return r;
    }

    @Test
    void smallRyesSecondLineForARefusedEventIsDropped() {
        EventRefusedException refused = new EventRefusedException("host:h2", "virtgate.host.configured.v1", "h1",
                "may come only from that host");
        assertFalse(filter.isLoggable(record("io.smallrye.reactive.messaging.provider", refused)));
        assertFalse(filter.isLoggable(record("io.smallrye.reactive.messaging.provider",
                new IllegalStateException("wrapped", refused))));
    }

    @Test
    void everythingElsePasses() {
        assertTrue(filter.isLoggable(record("io.smallrye.reactive.messaging.provider", new IllegalStateException("db"))));
        assertTrue(filter.isLoggable(record("dev.virtgate.support.trust.EventTrust",
                new EventRefusedException("?", "t", "s", "unsigned event"))));
        assertTrue(filter.isLoggable(record(null, null)));
    }
}
