package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.proxy.ProxyCommand;
import dev.virtgate.agent.proxy.ProxyRefused;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.contracts.LogFields;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.contracts.events.MigrationRequested;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;
import org.libvirt.TypedParameter;

import java.io.IOException;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Runs verified migration commands with migrateToURI3, reports progress about once a second from
 * the job statistics, and aborts the job on cancellation. Each migration holds the read side of the
 * lock, so a libvirtd restart waits until it is over.
 */
public class MigrationRunner {
    private static final Logger LOG = Logger.getLogger(MigrationRunner.class);

    private final String libvirtUri;
    private final String hostId;
    private final EventSink sink;
    private final ReadWriteLock lock;
    private final MigrationProxy proxy;
    private final ExecutorService workers = Executors.newCachedThreadPool(daemon("migration"));
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(daemon("migration-progress"));
    private final Map<String, Running> running = new ConcurrentHashMap<>();
    private final Set<String> cancelled = ConcurrentHashMap.newKeySet();

    private record Running(Connect control, Domain domain) {
    }

    public MigrationRunner(String libvirtUri, String hostId, EventSink sink, ReadWriteLock lock) {
        this(libvirtUri, hostId, sink, lock, null);
    }

    /** {@code proxy}: the agent's migration proxy for TLS_AGENT_PROXY commands; null refuses them. */
    public MigrationRunner(String libvirtUri, String hostId, EventSink sink, ReadWriteLock lock, MigrationProxy proxy) {
        this.libvirtUri = libvirtUri;
        this.hostId = hostId;
        this.sink = sink;
        this.lock = lock;
        this.proxy = proxy;
    }

    public int runningCount() {
        return running.size();
    }

    public void start(MigrationRequested r) {
        int flags;
        TypedParameter[] params;
        try {
            flags = MigrationArguments.flags(r.flags());
            params = MigrationArguments.params(r.parameters());
            MigrationArguments.checkCombination(flags, r.parameters());
            if (r.mode() == MigrationMode.TLS_AGENT_PROXY) {
                ProxyCommand.check(r, flags);
                if (proxy == null) {
                    throw new IllegalArgumentException("this agent offers no migration proxy");
                }
            }
        } catch (IllegalArgumentException e) {
            sink.publish(MigrationReports.failed(r, e.getMessage(), null, null, false));
            return;
        }
        workers.submit(() -> run(r, flags, params));
    }

    public boolean cancel(String migrationId) {
        cancelled.add(migrationId);
        Running job = running.get(migrationId);
        if (job == null) {
            return false;
        }
        try {
            job.domain().abortJob();
            return true;
        } catch (LibvirtException e) {
            LOG.warnf("abort of migration %s failed: %s", migrationId, e.getError().getMessage());
            return false;
        }
    }

    private void run(MigrationRequested r, int flags, TypedParameter[] commandParams) {
        long t0 = System.nanoTime();
        MDC.put(LogFields.MIGRATION_ID, r.migrationId());
        lock.readLock().lock();
        Connect conn = null;
        Connect control = null;
        ScheduledFuture<?> progress = null;
        long[] last = new long[3];
        try {
            conn = LibvirtClient.open(libvirtUri);
            control = LibvirtClient.open(libvirtUri);
            Domain dom = conn.domainLookupByName(r.vmName());
            Domain controlDom = control.domainLookupByName(r.vmName());
            running.put(r.migrationId(), new Running(control, controlDom));
            if (cancelled.contains(r.migrationId())) {
                sink.publish(MigrationReports.failed(r, "cancelled before start", null, null, true));
                return;
            }
            progress = ticker.scheduleAtFixedRate(() -> progress(r, controlDom, t0, last), 1, 1, TimeUnit.SECONDS);
            if (r.mode() == MigrationMode.TLS_AGENT_PROXY) {
                ProxiedMigration.run(avoid -> proxy.relay(r.proxyRoute(), avoid),
                        port -> dom.migrateToURI(r.destinationUri(), proxied(r, port), flags),
                        () -> cancelled.contains(r.migrationId()));
            } else {
                dom.migrateToURI(r.destinationUri(), MigrationArguments.nonEmpty(commandParams, r.vmName()), flags);
            }
            progress.cancel(false);
            long wall = (System.nanoTime() - t0) / 1_000_000;
            sink.publish(MigrationReports.completed(r, wall, last));
        } catch (LibvirtException e) {
            if (progress != null) {
                progress.cancel(false);
            }
            boolean wasCancelled = cancelled.contains(r.migrationId());
            var err = e.getError();
            sink.publish(MigrationReports.failed(r, wasCancelled ? "cancelled" : "libvirt refused or failed the migration",
                    err != null ? err.getMessage() : e.getMessage(),
                    err != null && err.getCode() != null ? err.getCode().ordinal() : null, wasCancelled));
        } catch (IOException | ProxyRefused e) {
            sink.publish(MigrationReports.failed(r, "migration proxy: " + e.getMessage(), null, null, false));
        } catch (RuntimeException e) {
            LOG.error("migration " + r.migrationId() + " crashed", e);
            sink.publish(MigrationReports.failed(r, "agent error: " + e.getClass().getSimpleName(), null, null, false));
        } finally {
            running.remove(r.migrationId());
            LibvirtClient.closeQuietly(conn);
            LibvirtClient.closeQuietly(control);
            lock.readLock().unlock();
            MDC.remove(LogFields.MIGRATION_ID);
        }
    }

    /** The command's parameters with QEMU's stream sent to the relay's loopback port (and its destination's). */
    private TypedParameter[] proxied(MigrationRequested r, int loopbackPort) {
        return MigrationArguments.params(
                ProxyCommand.parameters(r.parameters(), proxy.loopbackAddress(), loopbackPort).toWire());
    }

    private void progress(MigrationRequested r, Domain dom, long t0, long[] last) {
        try {
            Map<String, String> s = MigrationReports.stats(dom.getJobStats(0));
            long total = MigrationReports.num(s, "data_total");
            long processed = MigrationReports.num(s, "data_processed");
            long remaining = MigrationReports.num(s, "data_remaining");
            long bps = MigrationReports.num(s, "memory_bps");
            last[0] = processed;
            last[1] = MigrationReports.num(s, "time_elapsed");
            sink.publish(new MigrationProgress(r.migrationId(), hostId, (System.nanoTime() - t0) / 1_000_000,
                    total, processed, remaining, bps));
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("no job stats for %s yet", r.migrationId());
        }
    }

    private static java.util.concurrent.ThreadFactory daemon(String name) {
        return runnable -> {
            Thread t = new Thread(runnable, name);
            t.setDaemon(true);
            return t;
        };
    }
}
