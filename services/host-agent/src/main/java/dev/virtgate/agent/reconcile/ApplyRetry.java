package dev.virtgate.agent.reconcile;

import org.jboss.logging.Logger;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Retries the apply with back-off (1, 2, 4 ... 60 s) while libvirtd is down. Called under the
 * agent's lock; the action it runs later is the facade's, which takes that lock itself.
 */
final class ApplyRetry {
    // logged under ConfigReconciler's category, as before this class was split out of it
    private static final Logger LOG = Logger.getLogger(ConfigReconciler.class);

    private final Runnable retryAction;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-retry");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> pendingRetry;
    private int retryAttempt;

    ApplyRetry(Runnable retryAction) {
        this.retryAction = retryAction;
    }

    void schedule() {
        if (pendingRetry != null && !pendingRetry.isDone()) {
            return;
        }
        long delay = Math.min(60, 1L << Math.min(retryAttempt, 6));
        retryAttempt++;
        LOG.warnf("libvirtd unavailable; retrying the apply in %d s", delay);
        pendingRetry = retries.schedule(retryAction, delay, TimeUnit.SECONDS);
    }

    void cancel() {
        retryAttempt = 0;
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
    }

    boolean pending() {
        return pendingRetry != null && !pendingRetry.isDone();
    }
}
