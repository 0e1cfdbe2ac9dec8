package dev.virtgate.support.outbox;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs a task on at most one thread at a time. A call that finds it running leaves a mark, and the
 * running thread runs it once more before it stops: no request is missed and none piles up.
 */
final class SingleFlight {
    private final AtomicBoolean running = new AtomicBoolean();
    private final AtomicBoolean again = new AtomicBoolean();
    private final Runnable task;

    SingleFlight(Runnable task) {
        this.task = task;
    }

    void run() {
        again.set(true);
        while (again.get() && running.compareAndSet(false, true)) {
            try {
                while (again.getAndSet(false)) {
                    task.run();
                }
            } finally {
                running.set(false);
            }
        }
    }
}
