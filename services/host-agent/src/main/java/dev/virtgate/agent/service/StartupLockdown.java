package dev.virtgate.agent.service;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.reconcile.ListenerLockdown;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.interceptor.Interceptor;
import org.jboss.logging.Logger;

/**
 * The first thing the agent does at start, before enrollment ({@link AgentLifecycle}) and before
 * the Kafka consumer starts (SmallRye Reactive Messaging starts its channels at priority
 * {@code LIBRARY_BEFORE}): it closes unauthenticated listeners ({@link ListenerLockdown}). It needs
 * nothing but the configuration, so an invalid enrollment token or an unreachable pki-service,
 * broker or OpenBao cannot hold it up.
 */
@ApplicationScoped
public class StartupLockdown {
    private static final Logger LOG = Logger.getLogger(StartupLockdown.class);

    void onStart(@Observes @Priority(Interceptor.Priority.PLATFORM_BEFORE) StartupEvent ev, AgentConfig config) {
        try {
            new ListenerLockdown(new AgentPaths(config.paths()), new LibvirtdControl(config)).run().ifPresent(LOG::warn);
        } catch (RuntimeException e) { // unreadable or unparseable libvirtd.conf: the self-probe reports the rest
            LOG.errorf("start-up lock-down failed: %s", e.getMessage());
        }
    }
}
