package dev.virtgate.support.outbox;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The relay's timer runs only between start-up and shutdown. */
class WhileRunningTest {

    @Test
    void skippedBeforeStartRunsWhileUpSkippedOnceShuttingDown() {
        OutboxRelay.WhileRunning predicate = new OutboxRelay.WhileRunning();
        assertTrue(predicate.test(null), "before start-up");
        predicate.onStart(null);
        assertFalse(predicate.test(null), "while running");
        predicate.onStop(null);
        assertTrue(predicate.test(null), "once shutting down: the database is going away");
    }
}
