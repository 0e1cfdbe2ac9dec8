package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.proxy.MigrationProxyRelay;
import dev.virtgate.agent.proxy.ProxyCommand;
import dev.virtgate.agent.proxy.ProxyRefused;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.contracts.LogFields;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;
import org.jboss.logging.Logger;
import org.jboss.logging.MDC;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainJobStats;
import org.libvirt.LibvirtException;
import org.libvirt.TypedIntParameter;
import org.libvirt.TypedParameter;
import org.libvirt.TypedStringParameter;
import org.libvirt.TypedUlongParameter;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
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
    private static final int JOB_STATS_COMPLETED = 1;

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

    /** Flags by libvirt-java name (LIVE, PEER2PEER, TLS, TUNNELLED ...); unknown names are refused. */
    public static int flags(List<String> names) {
        int flags = 0;
        for (String name : names) {
            String n = name.toUpperCase(java.util.Locale.ROOT).replace("VIR_MIGRATE_", "");
            if (n.equals("TUNNELLED")) {
                n = "TUNNELED";
            }
            try {
                flags |= Domain.MigrateFlags.class.getField(n).getInt(null);
            } catch (ReflectiveOperationException e) {
                throw new IllegalArgumentException("unknown migration flag " + name.replaceAll("[^A-Za-z0-9_]", "?"));
            }
        }
        return flags;
    }

    /**
     * The command's parameters as libvirt typed parameters, each of the type {@link MigrationParameter}
     * gives its name. A name it does not know ("unsupported migration parameter ...") or a value not
     * of its type is refused here, before libvirt is called.
     */
    public static TypedParameter[] params(Map<String, String> params) {
        List<TypedParameter> out = new ArrayList<>();
        MigrationParameters.fromWire(params).values().forEach((p, v) -> out.add(typed(p, v)));
        return out.toArray(TypedParameter[]::new);
    }

    /**
     * Refuses, before libvirt is called, the combinations libvirt would refuse: PARALLEL (multifd runs
     * over QEMU's own connections) with TUNNELLED (the memory inside libvirtd's connection), and a
     * {@code parallel.connections} without PARALLEL.
     */
    public static void checkCombination(int flags, Map<String, String> params) {
        boolean parallel = (flags & Domain.MigrateFlags.PARALLEL) != 0;
        if (parallel && (flags & Domain.MigrateFlags.TUNNELED) != 0) {
            throw new IllegalArgumentException("migration flag PARALLEL cannot be combined with TUNNELLED");
        }
        if (!parallel && params.containsKey(MigrationParameter.PARALLEL_CONNECTIONS.libvirtName())) {
            throw new IllegalArgumentException("migration parameter "
                    + MigrationParameter.PARALLEL_CONNECTIONS.libvirtName() + " needs the PARALLEL flag");
        }
    }

    private static TypedParameter typed(MigrationParameter p, String value) {
        return switch (p.type()) {
            case STRING -> new TypedStringParameter(p.libvirtName(), value);
            case ULLONG -> new TypedUlongParameter(p.libvirtName(), p.number(value));
            case INT -> new TypedIntParameter(p.libvirtName(), Math.toIntExact(p.number(value)));
        };
    }

    /**
     * libvirt-java cannot marshal an empty typed-parameter array (index 0 of a 0-length JNA array);
     * the guest's own name as destination_name changes nothing and keeps the array non-empty.
     */
    static TypedParameter[] nonEmpty(TypedParameter[] params, String vmName) {
        return params.length > 0 ? params
                : new TypedParameter[] {typed(MigrationParameter.DESTINATION_NAME, vmName)};
    }

    public void start(MigrationRequested r) {
        int flags;
        TypedParameter[] params;
        try {
            flags = flags(r.flags());
            params = params(r.parameters());
            checkCombination(flags, r.parameters());
            if (r.mode() == MigrationMode.TLS_AGENT_PROXY) {
                ProxyCommand.check(r, flags);
                if (proxy == null) {
                    throw new IllegalArgumentException("this agent offers no migration proxy");
                }
            }
        } catch (IllegalArgumentException e) {
            sink.publish(failed(r, e.getMessage(), null, null, false));
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
        MigrationProxyRelay relay = null;
        long[] last = new long[3];
        try {
            TypedParameter[] params = commandParams;
            if (r.mode() == MigrationMode.TLS_AGENT_PROXY) {
                relay = proxy.relay(r.proxyRoute());
                params = params(ProxyCommand.parameters(r.parameters(), proxy.loopbackAddress(), relay.port()).toWire());
            }
            conn = LibvirtClient.open(libvirtUri);
            control = LibvirtClient.open(libvirtUri);
            Domain dom = conn.domainLookupByName(r.vmName());
            Domain controlDom = control.domainLookupByName(r.vmName());
            running.put(r.migrationId(), new Running(control, controlDom));
            if (cancelled.contains(r.migrationId())) {
                sink.publish(failed(r, "cancelled before start", null, null, true));
                return;
            }
            progress = ticker.scheduleAtFixedRate(() -> progress(r, controlDom, t0, last), 1, 1, TimeUnit.SECONDS);
            dom.migrateToURI(r.destinationUri(), nonEmpty(params, r.vmName()), flags);
            progress.cancel(false);
            long wall = (System.nanoTime() - t0) / 1_000_000;
            sink.publish(completed(r, wall, last));
        } catch (LibvirtException e) {
            if (progress != null) {
                progress.cancel(false);
            }
            boolean wasCancelled = cancelled.contains(r.migrationId());
            var err = e.getError();
            sink.publish(failed(r, wasCancelled ? "cancelled" : "libvirt refused or failed the migration",
                    err != null ? err.getMessage() : e.getMessage(),
                    err != null && err.getCode() != null ? err.getCode().ordinal() : null, wasCancelled));
        } catch (IOException | ProxyRefused e) {
            sink.publish(failed(r, "migration proxy: " + e.getMessage(), null, null, false));
        } catch (RuntimeException e) {
            LOG.error("migration " + r.migrationId() + " crashed", e);
            sink.publish(failed(r, "agent error: " + e.getClass().getSimpleName(), null, null, false));
        } finally {
            if (relay != null) {
                relay.close();
            }
            running.remove(r.migrationId());
            close(conn);
            close(control);
            lock.readLock().unlock();
            MDC.remove(LogFields.MIGRATION_ID);
        }
    }

    private void progress(MigrationRequested r, Domain dom, long t0, long[] last) {
        try {
            Map<String, String> s = stats(dom.getJobStats(0));
            long total = num(s, "data_total");
            long processed = num(s, "data_processed");
            long remaining = num(s, "data_remaining");
            long bps = num(s, "memory_bps");
            last[0] = processed;
            last[1] = num(s, "time_elapsed");
            sink.publish(new MigrationProgress(r.migrationId(), hostId, (System.nanoTime() - t0) / 1_000_000,
                    total, processed, remaining, bps));
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("no job stats for %s yet", r.migrationId());
        }
    }

    private MigrationCompleted completed(MigrationRequested r, long wall, long[] last) {
        Long transferMs = last[1] > 0 ? last[1] : null;
        Long bytes = last[0] > 0 ? last[0] : null;
        Long downtime = null;
        // Completed-job statistics live with the guest, which is now on the destination.
        Connect dest = null;
        try {
            dest = new Connect(r.destinationUri(), LibvirtClient.fromAuthFileOnly(), 0);
            Map<String, String> s = stats(dest.domainLookupByName(r.vmName()).getJobStats(JOB_STATS_COMPLETED));
            if (num(s, "time_elapsed") > 0) {
                transferMs = num(s, "time_elapsed");
            }
            if (num(s, "data_processed") > 0) {
                bytes = num(s, "data_processed");
            }
            downtime = s.containsKey("downtime") ? num(s, "downtime") : null;
        } catch (LibvirtException | RuntimeException e) {
            LOG.debugf("completed job stats unavailable for %s", r.migrationId());
        } finally {
            close(dest);
        }
        Long throughput = bytes != null && transferMs != null && transferMs > 0 ? bytes * 1000 / transferMs : null;
        return new MigrationCompleted(r.migrationId(), r.vmName(), r.sourceHostId(), r.destinationHostId(), r.mode(),
                wall, transferMs, downtime, bytes, throughput);
    }

    public static MigrationFailed failed(MigrationRequested r, String reason, String libvirtError, Integer code,
            boolean cancelled) {
        String err = libvirtError == null ? null
                : libvirtError.length() > 4000 ? libvirtError.substring(0, 4000) : libvirtError;
        return new MigrationFailed(r.migrationId(), r.vmName(), r.sourceHostId(), r.destinationHostId(),
                reason.length() > 2000 ? reason.substring(0, 2000) : reason, err, code, cancelled);
    }

    private static Map<String, String> stats(DomainJobStats stats) {
        Map<String, String> out = new HashMap<>();
        if (stats != null && stats.stats != null) {
            for (TypedParameter p : stats.stats) {
                out.put(p.field, p.getValueAsString());
            }
        }
        return out;
    }

    private static long num(Map<String, String> s, String key) {
        try {
            return Math.max(0, Long.parseLong(s.getOrDefault(key, "0")));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    private static void close(Connect c) {
        if (c != null) {
            try {
                c.close();
            } catch (LibvirtException ignored) {
                // closing
            }
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
