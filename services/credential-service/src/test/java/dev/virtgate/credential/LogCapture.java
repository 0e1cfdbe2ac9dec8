package dev.virtgate.credential;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;

/** Collects every formatted log line of the JVM (the service runs in it under @QuarkusTest). */
public final class LogCapture extends Handler {
    private static final LogCapture INSTANCE = new LogCapture();
    private static boolean installed;
    private final List<String> lines = new CopyOnWriteArrayList<>();
    private final List<Instant> times = new CopyOnWriteArrayList<>();

    public static synchronized LogCapture install() {
        if (!installed) {
            java.util.logging.Logger.getLogger("").addHandler(INSTANCE);
            installed = true;
        }
        return INSTANCE;
    }

    public List<String> lines() {
        return lines;
    }

    /** When the first line containing every fragment was logged. */
    public synchronized Optional<Instant> firstAt(String... fragments) {
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (java.util.Arrays.stream(fragments).allMatch(line::contains)) {
                return Optional.of(times.get(i));
            }
        }
        return Optional.empty();
    }

    @Override
    public synchronized void publish(LogRecord record) {
        String message = record instanceof org.jboss.logmanager.ExtLogRecord ext ? ext.getFormattedMessage()
                : record.getMessage();
        lines.add(record.getLoggerName() + " " + message
                + (record.getThrown() == null ? "" : " " + record.getThrown()));
        times.add(record.getInstant());
    }

    @Override
    public void flush() {
    }

    @Override
    public void close() {
    }
}
