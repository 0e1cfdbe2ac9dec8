package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.proxy.MigrationProxyRelay;
import dev.virtgate.agent.proxy.ProxyRefused;
import org.jboss.logging.Logger;
import org.libvirt.LibvirtException;

import java.io.IOException;
import java.util.HashSet;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * One TLS_AGENT_PROXY migration, tried again on another loopback port when the destination's QEMU
 * found the relay's port taken. The source picks the port without knowing the destination's: a
 * concurrent incoming migration there (several sources evacuating into one host) may hold it. QEMU
 * then fails to listen before any memory is sent and libvirt leaves the guest running here, so a
 * new try is safe.
 */
final class ProxiedMigration {
    private static final Logger LOG = Logger.getLogger(ProxiedMigration.class);
    static final int ATTEMPTS = 3;

    /** A relay on a loopback port not in the given set. */
    interface Relays {
        MigrationProxyRelay open(Set<Integer> avoid) throws IOException, ProxyRefused;
    }

    /** One try through the relay listening on {@code loopbackPort}. */
    interface Attempt {
        void migrate(int loopbackPort) throws LibvirtException;
    }

    private ProxiedMigration() {
    }

    static void run(Relays relays, Attempt attempt, BooleanSupplier cancelled)
            throws LibvirtException, IOException, ProxyRefused {
        Set<Integer> taken = new HashSet<>();
        for (int n = 1; ; n++) {
            int port;
            try (MigrationProxyRelay relay = relays.open(taken)) {
                port = relay.port();
                try {
                    attempt.migrate(port);
                    return;
                } catch (LibvirtException e) {
                    if (n == ATTEMPTS || cancelled.getAsBoolean() || !destinationPortTaken(e)) {
                        throw e;
                    }
                }
            }
            taken.add(port);
            LOG.warnf("the destination's QEMU found loopback port %d taken; trying another port (%d of %d)",
                    port, n + 1, ATTEMPTS);
        }
    }

    /**
     * QEMU's words when it cannot listen on the migration port ("Failed to find an available port:
     * Address already in use"), which libvirt passes on inside its own message.
     */
    static boolean destinationPortTaken(LibvirtException e) {
        String message = e.getError() != null ? e.getError().getMessage() : e.getMessage();
        return message != null && message.contains("Address already in use");
    }
}
