package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
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
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import org.jboss.logging.Logger;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReadWriteLock;

/**
 * Makes the host match the agent state: renders, validates, writes, reloads or restarts, probes
 * and reports; retries with back-off while libvirtd is down; detects (and by policy repairs) hand
 * edits. The caller holds the agent's lock; the retry ({@link ApplyRetry}) runs the action the facade
 * gives it, which takes that lock. Posture is reported by {@link PostureReporter}: published only once
 * the host has a certificate, since before that nothing could verify the report, so it is only logged.
 */
public final class ConfigReconciler {
    private static final Logger LOG = Logger.getLogger(ConfigReconciler.class);

    private final AgentConfig config;
    private final AgentPaths paths;
    private final AgentState state;
    private final HostIdentity identity;
    private final CredentialSource credentials;
    private final CapabilityDiscovery discovery;
    private final ConfigRenderer renderer;
    private final ConfigApplier applier;
    private final SelfProbe probe;
    private final TcpPortPolicy tcpPolicy;
    private final PolicyWindow policyWindow;
    private final ApplyRetry retry;
    private final PostureReporter reporter;

    public record Parts(AgentState state, HostIdentity identity, CredentialSource credentials, EventSink sink,
            LibvirtdControl libvirtd, ReadWriteLock migrationLock, MigrationProxy proxy) {
    }

    public ConfigReconciler(AgentConfig config, AgentPaths paths, Parts parts, Runnable retryAction) {
        this.config = config;
        this.paths = paths;
        this.state = parts.state();
        this.identity = parts.identity();
        this.credentials = parts.credentials();
        this.retry = new ApplyRetry(retryAction);
        this.discovery = new CapabilityDiscovery(config, paths);
        this.renderer = new ConfigRenderer(config, paths, qemuGroup(config));
        this.applier = new ConfigApplier(config, paths, parts.libvirtd(), parts.migrationLock());
        this.probe = new SelfProbe(config, paths, parts.libvirtd());
        this.tcpPolicy = new TcpPortPolicy(config, paths, Clock.systemUTC());
        this.policyWindow = new PolicyWindow(retryAction, Clock.systemUTC());
        this.reporter = new PostureReporter(config, parts, probe, tcpPolicy, discovery);
    }

    public CapabilityDiscovery discovery() {
        return discovery;
    }

    public HostConfigured lastReport() {
        return reporter.lastReport();
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
            retry.cancel();
            extra.add(SelfProbe.pass("apply", outcome.detail()));
        } catch (ConfigApplier.LibvirtdUnavailableException e) {
            retry.schedule();
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
        return reporter.report(extra);
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
        HostUuid.ensure(state, paths, discovered);
    }

    public boolean retryPending() {
        return retry.pending();
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
