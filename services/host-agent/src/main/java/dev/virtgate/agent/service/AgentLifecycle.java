package dev.virtgate.agent.service;

import dev.virtgate.agent.conf.ConfigRejectedException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/** Enrolls at start when given a token (retrying while libvirtd is down) and probes periodically. */
@ApplicationScoped
public class AgentLifecycle {
    private static final Logger LOG = Logger.getLogger(AgentLifecycle.class);
    private final ScheduledExecutorService enrollRetry = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-enroll");
        t.setDaemon(true);
        return t;
    });

    @Inject
    AgentService agent;

    void onStart(@Observes StartupEvent ev) {
        agent.applyIntegration();
        agent.config().enrollmentToken().ifPresent(token -> {
            if (!agent.state().enrolled) {
                enrollRetry.execute(() -> enroll(token, 0));
            }
        });
    }

    private void enroll(String token, int attempt) {
        try {
            agent.enroll(token);
            LOG.infof("enrolled host %s", agent.config().hostId());
        } catch (ConfigRejectedException e) { // the configuration is wrong: trying again cannot help
            LOG.errorf("cannot enroll host %s: %s", agent.config().hostId(), e.getMessage());
        } catch (org.libvirt.LibvirtException | RuntimeException e) {
            long delay = Math.min(60, 1L << Math.min(attempt, 6));
            LOG.warnf("enrollment failed (%s); retrying in %d s", e.getMessage(), delay);
            enrollRetry.schedule(() -> enroll(token, attempt + 1), delay, TimeUnit.SECONDS);
        }
    }

    @Scheduled(every = "${virtgate.agent.probe-interval:60s}", delayed = "${virtgate.agent.probe-interval:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void probe() {
        if (agent.state().enrolled) {
            agent.probeAndReport(true);
        }
    }
}
