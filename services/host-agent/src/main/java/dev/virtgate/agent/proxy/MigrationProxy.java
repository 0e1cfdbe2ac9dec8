package dev.virtgate.agent.proxy;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.migration.ProxyRoute;

import java.io.IOException;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The agent's migration proxy (TLS_AGENT_PROXY): the listener for peers' streams while enabled and
 * the host has a certificate, and one relay per outgoing migration.
 */
public final class MigrationProxy implements AutoCloseable {
    private final AgentConfig.MigrationProxy settings;
    private final LoopbackPorts ports;
    private final Supplier<Optional<ProxyCredentials>> credentials;
    private final MigrationProxyServer server;

    public MigrationProxy(AgentConfig.MigrationProxy settings, Supplier<Optional<ProxyCredentials>> credentials) {
        this.settings = validated(settings);
        this.ports = LoopbackPorts.parse(settings.loopbackPorts());
        this.credentials = credentials;
        this.server = new MigrationProxyServer(settings, credentials);
    }

    /** Refuses settings the agent cannot honour, naming the setting (the agent does not start). */
    static AgentConfig.MigrationProxy validated(AgentConfig.MigrationProxy s) {
        if (s.port() != 0 && (s.port() < 1024 || s.port() > 65_535)) {
            throw new ConfigRejectedException("migration-proxy.port", "must be 1024-65535");
        }
        if (s.maxStreams() < 1 || s.maxStreams() > 64) {
            throw new ConfigRejectedException("migration-proxy.max-streams", "must be 1-64");
        }
        ConfigValues.address("migration-proxy.loopback-address", s.loopbackAddress());
        s.listenAddress().ifPresent(a -> ConfigValues.address("migration-proxy.listen-address", a));
        LoopbackPorts.parse(s.loopbackPorts());
        return s;
    }

    /** Listens when enabled and the host has a usable certificate; stops otherwise. */
    public void follow() {
        if (settings.enabled() && credentials.get().isPresent()) {
            server.start();
        } else {
            server.close();
        }
    }

    /**
     * The port to report in HostCapabilities / HostConfigured: null unless listening and the cluster
     * opted in, since only then does libvirt here accept a migration without QEMU's TLS flag.
     */
    public Integer advertisedPort(ClusterPolicyChanged policy) {
        return inForce(settings, policy) ? server.port() : null;
    }

    /**
     * Whether this host runs TLS_AGENT_PROXY migrations now: its proxy is enabled and its cluster opted
     * in. Only then may libvirt accept a migration without QEMU's own TLS (qemu.conf migrate_tls_force
     * off): the proxied stream has no TLS flag, and libvirt refuses that under migrate_tls_force.
     */
    public static boolean inForce(AgentConfig.MigrationProxy settings, ClusterPolicyChanged policy) {
        return settings.enabled() && policy.agentTlsProxyOn();
    }

    public String loopbackAddress() {
        return settings.loopbackAddress();
    }

    /**
     * A relay for one outgoing migration along the command's signed route, on a loopback port not in
     * {@code avoid} (ports the destination's QEMU found taken).
     */
    public MigrationProxyRelay relay(ProxyRoute route, Set<Integer> avoid) throws IOException, ProxyRefused {
        if (!settings.enabled()) {
            throw new ProxyRefused("the migration proxy is disabled on this host");
        }
        ProxyCredentials c = credentials.get().orElseThrow(() -> new ProxyRefused("this host has no certificate"));
        return MigrationProxyRelay.open(settings.loopbackAddress(), ports, avoid, route, c);
    }

    @Override
    public void close() {
        server.close();
    }
}
