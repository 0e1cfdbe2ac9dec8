package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.ConfValue;
import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.LibvirtConf;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.libvirt.CapabilityDiscovery;
import dev.virtgate.agent.libvirt.LibvirtdControl;
import dev.virtgate.agent.libvirt.SaslDb;
import dev.virtgate.agent.policy.ClusterPolicy;
import dev.virtgate.agent.policy.PolicyWindow;
import dev.virtgate.agent.proxy.MigrationProxy;
import dev.virtgate.agent.service.CredentialSource;
import dev.virtgate.agent.service.EventSink;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.agent.trust.CrlFreshness;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Makes the host match the agent state: renders, validates, writes, reloads or restarts, probes
 * and reports; retries with back-off while libvirtd is down; detects (and by policy repairs) hand
 * edits. The caller holds the agent's lock; the retry runs the action the facade gives it, which
 * takes that lock. Posture is published only once the host has a certificate: before that nothing
 * could verify the report, so it is only logged.
 */
public final class ConfigReconciler {
    private static final Logger LOG = Logger.getLogger(ConfigReconciler.class);

    private final AgentConfig config;
    private final AgentPaths paths;
    private final AgentState state;
    private final HostIdentity identity;
    private final CredentialSource credentials;
    private final EventSink sink;
    private final CapabilityDiscovery discovery;
    private final ConfigRenderer renderer;
    private final ConfigApplier applier;
    private final SelfProbe probe;
    private final TcpPortPolicy tcpPolicy;
    private final PolicyWindow policyWindow;
    private final Runnable retryAction;
    private final MigrationProxy proxy;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "agent-retry");
        t.setDaemon(true);
        return t;
    });
    private ScheduledFuture<?> pendingRetry;
    private int retryAttempt;
    private volatile HostConfigured lastReport;

    public record Parts(AgentState state, HostIdentity identity, CredentialSource credentials, EventSink sink,
            LibvirtdControl libvirtd, ReadWriteLock migrationLock, MigrationProxy proxy) {
    }

    public ConfigReconciler(AgentConfig config, AgentPaths paths, Parts parts, Runnable retryAction) {
        this.config = config;
        this.paths = paths;
        this.state = parts.state();
        this.identity = parts.identity();
        this.credentials = parts.credentials();
        this.sink = parts.sink();
        this.retryAction = retryAction;
        this.proxy = parts.proxy();
        this.discovery = new CapabilityDiscovery(config, paths);
        this.renderer = new ConfigRenderer(config, paths, qemuGroup(config));
        this.applier = new ConfigApplier(config, paths, parts.libvirtd(), parts.migrationLock());
        this.probe = new SelfProbe(config, paths, parts.libvirtd());
        this.tcpPolicy = new TcpPortPolicy(config, paths, Clock.systemUTC());
        this.policyWindow = new PolicyWindow(retryAction, Clock.systemUTC());
    }

    public CapabilityDiscovery discovery() {
        return discovery;
    }

    public HostConfigured lastReport() {
        return lastReport;
    }

    /** Renders, validates, writes, reloads or restarts, probes and reports. Retries later when libvirtd is down. */
    public HostConfigured applyAndReport() {
        if (state.certPem == null) {
            return probeAndReport(false);
        }
        ensureHostUuid(null);
        policyWindow.follow(ClusterPolicy.of(state)); // an upgrade window's end re-applies, closing TCP
        List<PostureCheck> extra = new ArrayList<>();
        try {
            Map<String, String> passwords = saslPasswords();
            List<FileSpec> files = renderer.render(state, identity.key().privateKeyPem(), credentials);
            ConfigApplier.Outcome outcome = applier.apply(state, files, new SaslDb(config.libvirtd().saslpasswd2(),
                    paths.onHost(paths.sasldb()), renderer.realm()), passwords);
            state.save();
            cancelRetry();
            extra.add(SelfProbe.pass("apply", outcome.detail()));
        } catch (ConfigApplier.LibvirtdUnavailableException e) {
            scheduleRetry();
            extra.add(SelfProbe.fail("apply", e.getMessage()));
        } catch (ConfigRejectedException e) {
            extra.add(SelfProbe.fail("apply", "rejected before writing: " + e.getMessage()));
        } catch (ConfigApplier.ApplyFailedException e) {
            extra.add(SelfProbe.fail("apply", e.getMessage()));
        } catch (RuntimeException e) {
            LOG.error("apply failed", e);
            extra.add(SelfProbe.fail("apply", "agent error: " + e.getClass().getSimpleName()));
        }
        return report(extra);
    }

    /** Periodic self-probe; repairs drift when the policy says so. */
    public HostConfigured probeAndReport(boolean mayRepair) {
        if (mayRepair && config.repairDrift() && state.certPem != null && !probe.drifted(state).isEmpty()) {
            LOG.warnf("configuration drift in %s: repairing", probe.drifted(state));
            report(List.of(SelfProbe.fail("drift-detected",
                    "changed by hand: " + String.join(", ", probe.drifted(state)))));
            return applyAndReport();
        }
        if (state.certPem != null && tcpPolicy.mustClose(state, discovery.listeners(), probe.drifted(state))) {
            LOG.info("the cluster policy no longer allows TCP: re-applying to close libvirtd's TCP port");
            return applyAndReport();
        }
        policyWindow.follow(ClusterPolicy.of(state));
        return report(List.of());
    }

    /** Probes and reports, with {@code extra} checks (an apply's outcome, a refusal) first. */
    public HostConfigured report(List<PostureCheck> extra) {
        List<PostureCheck> checks = new ArrayList<>(extra);
        String password = null;
        if (state.credential != null) {
            try {
                password = credentials.password(state.credential.kvPath(), state.credential.clientKvVersion());
            } catch (RuntimeException e) {
                checks.add(SelfProbe.fail("credential-readable", e.getMessage()));
            }
        }
        checks.addAll(probe.run(state, password));
        checks.add(tcpPolicy.check(state));
        checks.add(CrlFreshness.check(state, Instant.now()));
        List<String> listeners = discovery.listeners();
        boolean tls = listeners.stream().anyMatch(l -> l.startsWith("tls://"));
        boolean sasl = listeners.stream().anyMatch(l -> l.startsWith("tcp://") && l.endsWith("auth=sasl"));
        String digest = state.appliedDigests.isEmpty() ? null
                : SelfProbe.sha256(state.appliedDigests.toString().getBytes(StandardCharsets.UTF_8));
        AgentState.Credential c = state.credential;
        CapabilityDiscovery.MigrationTls migration = discovery.migrationTls();
        proxy.follow(); // listens once the host has a certificate, stops if it has none any more
        HostConfigured out = new HostConfigured(config.hostId(), config.clusterId(), state.certSerial,
                state.certNotAfter, c == null ? null : c.rotationId(), c == null ? null : c.version(),
                c == null ? null : CredentialPhase.valueOf(c.phase()), tls, sasl, migration.nativeTls(), checks, digest,
                Instant.now(), migration.multifdTls(), proxy.advertisedPort(ClusterPolicy.of(state)));
        lastReport = out;
        List<String> failed = checks.stream().filter(ch -> ch.status() == CheckStatus.FAIL)
                .map(PostureCheck::name).toList();
        if (state.certPem == null) {
            LOG.infof("posture before the host has a certificate (not published): failing %s", failed);
            return out;
        }
        sink.publish(out);
        if (!failed.isEmpty()) {
            LOG.warnf("posture: %s", failed);
        }
        return out;
    }

    /**
     * The passwords of the accepted users that can be read. One that cannot (access withdrawn, OpenBao
     * away) is left out: the SASL db keeps that user as it is, and the rest of the apply goes on.
     */
    private Map<String, String> saslPasswords() {
        Map<String, String> out = new HashMap<>();
        if (state.credential != null) {
            for (String user : state.credential.acceptedUsernames()) {
                Integer kv = state.credential.kvVersionOf(user);
                if (kv != null) {
                    try {
                        out.put(user, credentials.password(state.credential.kvPath(), kv));
                    } catch (RuntimeException e) {
                        LOG.debugf("password of %s not readable: %s", user, e.getMessage());
                    }
                }
            }
        }
        return out;
    }

    /** A stable host_uuid: the one already configured, else the one libvirtd reports, else a new one. */
    public void ensureHostUuid(String discovered) {
        if (state.hostUuid != null) {
            return;
        }
        String existing = SecureFiles.read(paths.onHost(paths.libvirtdConf()))
                .map(b -> LibvirtConf.parse(new String(b, StandardCharsets.UTF_8)))
                .flatMap(conf -> conf.get("host_uuid")).filter(v -> v instanceof ConfValue.Str)
                .map(v -> ((ConfValue.Str) v).value()).orElse(null);
        if (existing == null || !existing.matches("^[0-9a-f-]{36}$")) {
            existing = discovered != null && discovered.matches("^[0-9a-f-]{36}$") ? discovered : null;
        }
        state.hostUuid = existing != null ? existing : UUID.randomUUID().toString();
        state.save();
    }

    private void scheduleRetry() {
        if (pendingRetry != null && !pendingRetry.isDone()) {
            return;
        }
        long delay = Math.min(60, 1L << Math.min(retryAttempt, 6));
        retryAttempt++;
        LOG.warnf("libvirtd unavailable; retrying the apply in %d s", delay);
        pendingRetry = retries.schedule(retryAction, delay, TimeUnit.SECONDS);
    }

    private void cancelRetry() {
        retryAttempt = 0;
        if (pendingRetry != null) {
            pendingRetry.cancel(false);
            pendingRetry = null;
        }
    }

    public boolean retryPending() {
        return pendingRetry != null && !pendingRetry.isDone();
    }

    /** QEMU's TLS key files: group qemu (Fedora/RHEL), libvirt-qemu (Debian), else root. */
    static String qemuGroup(AgentConfig config) {
        if (config.libvirtd().qemuGroup().isPresent()) {
            return config.libvirtd().qemuGroup().get();
        }
        for (String g : List.of("qemu", "libvirt-qemu")) {
            try {
                if (Files.readAllLines(Path.of("/etc/group")).stream().anyMatch(l -> l.startsWith(g + ":"))) {
                    return g;
                }
            } catch (java.io.IOException e) {
                break;
            }
        }
        return "root";
    }
}
