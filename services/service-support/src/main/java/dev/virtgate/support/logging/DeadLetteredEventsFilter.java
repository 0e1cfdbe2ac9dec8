package dev.virtgate.support.logging;

import dev.virtgate.contracts.InvalidEventException;
import io.quarkus.logging.LoggingFilter;

import java.util.logging.Filter;
import java.util.logging.LogRecord;

/**
 * Keeps a refused or invalid event to the one log line its consumer wrote (producer, type,
 * subject, reason): SmallRye Reactive Messaging would add an ERROR with a stack trace for the same
 * event (SRMSG00200) before the dead-letter strategy parks it. Every other record passes,
 * including SmallRye's for any other exception.
 */
@LoggingFilter(name = "virtgate-dead-lettered")
public final class DeadLetteredEventsFilter implements Filter {

    @Override
    public boolean isLoggable(LogRecord record) {
        String logger = record.getLoggerName();
        return logger == null || !logger.startsWith("io.smallrye.reactive.messaging") || !invalidEvent(record.getThrown());
    }

    private static boolean invalidEvent(Throwable thrown) {
        for (Throwable t = thrown; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof InvalidEventException) {
                return true;
            }
        }
        return false;
    }
}
