package dev.virtgate.agent.policy;

import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.PolicyMode;
import org.jboss.logging.Logger;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Closes libvirtd's TCP port when an upgrade window ends, without an operator: while the policy in
 * force is an open UPGRADE_WINDOW, a re-apply is scheduled for just after its expiry (the renderer
 * then finds TCP no longer allowed). Should the timer fire early, that re-apply changes nothing and
 * schedules the next one; the periodic probe is the backstop (an agent restarted meanwhile).
 */
public final class PolicyWindow {
    private static final Logger LOG = Logger.getLogger(PolicyWindow.class);
    /** After the expiry, so that the re-apply renders with the window already closed. */
    private static final Duration MARGIN = Duration.ofMillis(250);

    private final Runnable reapply;
    private final Clock clock;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-policy-window");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> pending;
    private Instant pendingAt;

    public PolicyWindow(Runnable reapply, Clock clock) {
        this.reapply = reapply;
        this.clock = clock;
    }

    /** Schedules (or moves, or cancels) the re-apply for the policy now in force. */
    public synchronized void follow(ClusterPolicyChanged policy) {
        Instant now = clock.instant();
        Instant closeAt = policy.mode() == PolicyMode.UPGRADE_WINDOW && policy.tcpAllowed(now)
                ? policy.windowExpiresAt() : null;
        if (pending != null && !pending.isDone() && Objects.equals(closeAt, pendingAt)) {
            return;
        }
        if (pending != null) {
            pending.cancel(false);
        }
        pending = null;
        pendingAt = closeAt;
        if (closeAt != null) {
            long delay = Duration.between(now, closeAt).plus(MARGIN).toMillis();
            LOG.infof("upgrade window ends at %s: libvirtd's TCP port will be closed then", closeAt);
            pending = timer.schedule(this::fire, delay, TimeUnit.MILLISECONDS);
        }
    }

    private void fire() {
        synchronized (this) {
            pending = null; // the re-apply follows the policy again: early, it schedules the next one
        }
        reapply.run();
    }

    /** When the pending re-apply is due, or null. */
    public synchronized Instant pendingAt() {
        return pending != null && !pending.isDone() ? pendingAt : null;
    }
}
