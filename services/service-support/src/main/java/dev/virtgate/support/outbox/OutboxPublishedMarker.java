package dev.virtgate.support.outbox;

import org.jboss.logging.Logger;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.locks.ReentrantLock;

/**
 * For {@link OutboxPump}: the rows the broker acknowledged that are not yet marked published in the
 * table, marked a chunk per statement, one marking at a time.
 */
final class OutboxPublishedMarker {
    /** The pump's log lines, under its name as before. */
    private static final Logger LOG = Logger.getLogger(OutboxPump.class);

    private final OutboxPump.Table table;
    private final int batchSize;
    /** Rows the broker acknowledged that are not yet marked published in the table. */
    private final Queue<Long> acknowledged = new ConcurrentLinkedQueue<>();
    private final ReentrantLock marking = new ReentrantLock();

    OutboxPublishedMarker(OutboxPump.Table table, int batchSize) {
        this.table = table;
        this.batchSize = batchSize;
    }

    /** Rows the broker acknowledged, to be marked by the next {@link #markPublished}. */
    void acknowledged(List<Long> ids) {
        acknowledged.addAll(ids);
    }

    /** Marks what the broker acknowledged, one statement per chunk; waits for a marking under way. */
    void markPublished() {
        marking.lock();
        try {
            while (!acknowledged.isEmpty()) {
                List<Long> chunk = new ArrayList<>();
                Long id;
                while (chunk.size() < batchSize && (id = acknowledged.poll()) != null) {
                    chunk.add(id);
                }
                try {
                    table.inNewTransaction(() -> {
                        table.setPublished(chunk);
                        return null;
                    });
                } catch (RuntimeException e) {
                    acknowledged.addAll(chunk); // the timer tries again
                    throw e;
                }
            }
        } finally {
            marking.unlock();
        }
    }

    void markPublishedQuietly() {
        try {
            markPublished();
        } catch (RuntimeException e) {
            LOG.warnf("marking relayed outbox rows published failed, will retry: %s", e.getMessage());
        }
    }
}
