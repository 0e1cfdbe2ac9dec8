package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.libvirt.CapabilityDiscovery;
import dev.virtgate.agent.policy.ClusterPolicy;
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
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Probes the host and reports its posture ({@link HostConfigured}). It is published only once the
 * host has a certificate: before that nothing could verify the report, so it is only logged.
 */
final class PostureReporter {
    // logged under ConfigReconciler's category, as before this class was split out of it
    private static final Logger LOG = Logger.getLogger(ConfigReconciler.class);

    private final AgentConfig config;
    private final AgentState state;
    private final CredentialSource credentials;
    private final EventSink sink;
    private final MigrationProxy proxy;
    private final SelfProbe probe;
    private final TcpPortPolicy tcpPolicy;
    private final CapabilityDiscovery discovery;
    private volatile HostConfigured lastReport;

    PostureReporter(AgentConfig config, ConfigReconciler.Parts parts, SelfProbe probe, TcpPortPolicy tcpPolicy,
            CapabilityDiscovery discovery) {
        this.config = config;
        this.state = parts.state();
        this.credentials = parts.credentials();
        this.sink = parts.sink();
        this.proxy = parts.proxy();
        this.probe = probe;
        this.tcpPolicy = tcpPolicy;
        this.discovery = discovery;
    }

    HostConfigured lastReport() {
        return lastReport;
    }

    /** Probes and reports, with {@code extra} checks (an apply's outcome, a refusal) first. */
    HostConfigured report(List<PostureCheck> extra) {
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
}
