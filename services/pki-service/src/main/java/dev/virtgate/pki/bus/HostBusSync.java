package dev.virtgate.pki.bus;

import dev.virtgate.bus.HostBusAccess;
import dev.virtgate.pki.trust.TrustChanged;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.scheduler.Scheduled;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.event.TransactionPhase;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Keeps the broker's side of host identities equal to the database (docs/production.md, "Broker"):
 * the mTLS listener trusts exactly the active CAs, and a host has its ACLs exactly while it holds a
 * valid certificate. Applied after each committed change ({@link TrustChanged}, {@link HostBusChanged})
 * on a thread of its own, so issuance never waits for the broker; at start and every
 * {@code virtgate.pki.bus.reconcile-interval} everything is compared and repaired, which also retries
 * whatever failed while the broker was away.
 */
@ApplicationScoped
public class HostBusSync {
    private static final Logger LOG = Logger.getLogger(HostBusSync.class);

    @Inject
    BusConfig config;

    @Inject
    BusAdmin admin;

    @Inject
    HostAccessState state;

    private ExecutorService worker;
    private volatile String appliedTrust;
    private volatile boolean failing;

    /** Whether the last attempt failed (the broker is away): tests. */
    boolean failing() {
        return failing;
    }

    @PostConstruct
    void init() {
        worker = Executors.newSingleThreadExecutor(task -> {
            Thread thread = new Thread(task, "host-bus-sync");
            thread.setDaemon(true);
            return thread;
        });
    }

    @PreDestroy
    void close() {
        worker.shutdownNow();
    }

    void onStart(@Observes StartupEvent start) {
        if (config.manageHostAccess()) {
            worker.execute(this::reconcile);
        }
    }

    void onTrustChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) TrustChanged change) {
        if (config.manageHostAccess()) {
            worker.execute(() -> attempt("set the broker's host trust", this::applyTrust));
        }
    }

    void onHostChanged(@Observes(during = TransactionPhase.AFTER_SUCCESS) HostBusChanged change) {
        if (config.manageHostAccess()) {
            worker.execute(() -> attempt("update the bus ACLs of host " + change.hostId(), () -> applyHost(change.hostId())));
        }
    }

    @Scheduled(every = "${virtgate.pki.bus.reconcile-interval:60s}", delayed = "${virtgate.pki.bus.reconcile-interval:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void periodically() {
        if (config.manageHostAccess()) {
            worker.execute(this::reconcile);
        }
    }

    /** Trust first (a granted host must be able to connect), then every host's ACLs; on the caller's thread. */
    public void reconcile() {
        attempt("reconcile the broker's host trust and ACLs", () -> {
            appliedTrust = null; // re-applied: a restarted or replaced broker may have lost it
            applyTrust();
            Set<String> withdrawn = HostBusAccess.reconcile(admin.get(), state.allowed());
            withdrawn.forEach(p -> LOG.infof("bus: withdrew the ACLs of %s (no valid certificate)", p));
        });
    }

    private void applyTrust() throws Exception {
        Optional<String> cas = state.trustedCas();
        if (cas.isEmpty() || cas.get().equals(appliedTrust)) {
            return; // before the first CA the broker keeps its placeholder trust
        }
        HostBusAccess.trust(admin.get(), cas.get());
        appliedTrust = cas.get();
        LOG.infof("bus: the mTLS listener trusts host certificates of %d CA(s)",
                cas.get().split("-----BEGIN CERTIFICATE-----", -1).length - 1);
    }

    private void applyHost(String hostId) throws Exception {
        Optional<HostAccessState.Decision> decision = state.decide(hostId);
        if (decision.isEmpty()) {
            return;
        }
        HostBusAccess.Host host = decision.get().host();
        if (decision.get().allowed()) {
            HostBusAccess.grant(admin.get(), host.fqdn(), host.clusterId(), host.hostId());
            LOG.infof("bus: granted host %s its ACLs as %s", hostId, host.principal());
        } else {
            HostBusAccess.withdraw(admin.get(), host.fqdn(), host.clusterId(), host.hostId());
            LOG.infof("bus: withdrew the ACLs of host %s (no valid certificate)", hostId);
        }
    }

    private interface Step {
        void run() throws Exception;
    }

    /** One warning per outage, naming what failed and why; the next reconciliation retries. */
    private void attempt(String what, Step step) {
        try {
            step.run();
            if (failing) {
                failing = false;
                LOG.infof("bus: the broker answers again (%s done)", what);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            appliedTrust = null;
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            if (!failing) {
                failing = true;
                LOG.warnf("bus: cannot %s (%s: %s); retried every %s, issuance goes on", what,
                        cause.getClass().getSimpleName(), cause.getMessage(), config.reconcileInterval());
            } else {
                LOG.debugf("bus: still cannot %s: %s", what, cause.getMessage());
            }
        }
    }
}
