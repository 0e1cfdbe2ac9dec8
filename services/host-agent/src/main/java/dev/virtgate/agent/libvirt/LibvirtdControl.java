package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.config.AgentConfig;

import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.locks.LockSupport;

/** Restarts, health-checks and reloads the TLS material of the host's libvirtd. */
public class LibvirtdControl {
    private final AgentConfig config;

    public LibvirtdControl(AgentConfig config) {
        this.config = config;
    }

    public boolean reachable() {
        return LibvirtClient.attempt(config.libvirtUri()).connected();
    }

    public Processes.Result restart() {
        List<String> cmd = config.libvirtd().restartCommand()
                .orElseThrow(() -> new IllegalStateException("virtgate.agent.libvirtd.restart-command is not set"));
        return Processes.run(cmd, null, Duration.ofSeconds(120));
    }

    /** libvirtd answers on its local socket and, when expected, accepts connections on its TLS port. */
    public boolean awaitHealthy(boolean expectTls) {
        Instant deadline = Instant.now().plus(config.libvirtd().healthTimeout());
        while (Instant.now().isBefore(deadline)) {
            if (reachable() && (!expectTls || portOpen(config.managementAddress(), config.tlsPort()))) {
                return true;
            }
            LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
        }
        return false;
    }

    /**
     * Waits until no domain on this host has a job (an incoming migration shows as a job on the
     * destination, which the source's migration lock does not cover). False on timeout.
     */
    public boolean awaitNoDomainJobs(Duration timeout) {
        Instant deadline = Instant.now().plus(timeout);
        while (anyDomainJob()) {
            if (Instant.now().isAfter(deadline)) {
                return false;
            }
            LockSupport.parkNanos(Duration.ofMillis(250).toNanos());
        }
        return true;
    }

    boolean anyDomainJob() {
        org.libvirt.Connect c = null;
        try {
            c = LibvirtClient.open(config.libvirtUri());
            for (int id : c.listDomains()) {
                try {
                    if (c.domainLookupByID(id).getJobInfo().getType() != 0) {
                        return true;
                    }
                } catch (org.libvirt.LibvirtException gone) {
                    // the domain went away while we looked
                }
            }
            return false;
        } catch (org.libvirt.LibvirtException e) {
            return false; // libvirtd down: nothing to protect
        } finally {
            if (c != null) {
                try {
                    c.close();
                } catch (org.libvirt.LibvirtException ignored) {
                    // closing a look-up connection
                }
            }
        }
    }

    /** Certificates, key and CRL re-read by the running daemon (libvirt >= 6.2); connections stay open. */
    public Processes.Result reloadTls() {
        return Processes.run(List.of(config.libvirtd().virtAdmin(), "-q", "-c", config.adminUri(),
                "server-update-tls", "libvirtd"), null, Duration.ofSeconds(30));
    }

    /**
     * Where to probe a listener of {@code listenAddress}: the loopback address for any spelling of
     * the wildcard (a listen_addr may predate the agent, so anything else is probed as written).
     */
    public static String probeAddress(String listenAddress) {
        try {
            return dev.virtgate.agent.conf.ConfigValues.isWildcard("listen_addr", listenAddress) ? "127.0.0.1"
                    : listenAddress;
        } catch (dev.virtgate.agent.conf.ConfigRejectedException notAnAddress) {
            return listenAddress;
        }
    }

    public static boolean portOpen(String address, int port) {
        try (Socket s = new Socket()) {
            s.connect(new InetSocketAddress(address, port), 1000);
            return true;
        } catch (java.io.IOException e) {
            return false;
        }
    }
}
