package dev.virtgate.agent.libvirt;

import dev.virtgate.agent.proxy.LoopbackPorts;
import dev.virtgate.agent.proxy.MigrationProxyRelay;
import dev.virtgate.contracts.migration.ProxyRoute;
import org.junit.jupiter.api.Test;
import org.libvirt.LibvirtException;
import org.libvirt.LibvirtFailures;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * A TLS_AGENT_PROXY migration whose destination QEMU finds the relay's loopback port taken is tried
 * again on another port, on real loopback sockets; QEMU's own words for that are checked against a
 * real QEMU.
 */
class ProxiedMigrationTest {
    static final LoopbackPorts PORTS = new LoopbackPorts(49_370, 49_379);
    /** Nobody connects to these relays: their route and credentials are never used. */
    static final ProxyRoute ROUTE = new ProxyRoute("127.0.0.1", 16_516, "h2.lab.virtgate.test");

    final List<Integer> tried = new ArrayList<>();

    static MigrationProxyRelay relay(Set<Integer> avoid) throws IOException {
        return MigrationProxyRelay.open("127.0.0.1", PORTS, avoid, ROUTE, null);
    }

    /** The destination's QEMU listening on its loopback (127.0.0.2 here) on the port the source chose. */
    static void destinationListens(int port) throws LibvirtException {
        try (ServerSocket s = new ServerSocket()) {
            try {
                s.bind(new InetSocketAddress("127.0.0.2", port));
            } catch (IOException e) {
                // what libvirt reports when QEMU's migrate-incoming cannot listen
                throw LibvirtFailures.withMessage("internal error: unable to execute QEMU command "
                        + "'migrate-incoming': Failed to find an available port: " + e.getMessage());
            }
        } catch (IOException closing) {
            throw new UncheckedIOException(closing);
        }
    }

    /** Another incoming migration listening at the destination. */
    static ServerSocket takenAtDestination(int port) {
        try {
            ServerSocket s = new ServerSocket();
            s.bind(new InetSocketAddress("127.0.0.2", port));
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aPortTakenAtTheDestinationIsTriedAgainOnAnother() throws Exception {
        List<ServerSocket> taken = new ArrayList<>();
        try {
            ProxiedMigration.run(ProxiedMigrationTest::relay, port -> {
                tried.add(port);
                if (tried.size() == 1) {
                    // another incoming migration took the port at the destination just before this one
                    taken.add(takenAtDestination(port));
                }
                destinationListens(port);
            }, () -> false);
        } finally {
            taken.forEach(ProxiedMigrationTest::closeQuietly);
        }
        assertThat(tried).hasSize(2).doesNotHaveDuplicates();
    }

    @Test
    void afterThreeTakenPortsTheFailureStands() {
        List<ServerSocket> taken = new ArrayList<>();
        try {
            assertThatThrownBy(() -> ProxiedMigration.run(ProxiedMigrationTest::relay, port -> {
                tried.add(port);
                taken.add(takenAtDestination(port));
                destinationListens(port);
            }, () -> false)).isInstanceOf(LibvirtException.class).hasMessageContaining("Address already in use");
        } finally {
            taken.forEach(ProxiedMigrationTest::closeQuietly);
        }
        assertThat(tried).hasSize(ProxiedMigration.ATTEMPTS).doesNotHaveDuplicates();
    }

    @Test
    void otherFailuresAndCancelledMigrationsAreNotTriedAgain() {
        assertThatThrownBy(() -> ProxiedMigration.run(ProxiedMigrationTest::relay, port -> {
            tried.add(port);
            throw LibvirtFailures.withMessage("operation failed: guest CPU doesn't match specification");
        }, () -> false)).isInstanceOf(LibvirtException.class);
        assertThat(tried).hasSize(1);

        tried.clear();
        assertThatThrownBy(() -> ProxiedMigration.run(ProxiedMigrationTest::relay, port -> {
            tried.add(port);
            throw LibvirtFailures.withMessage("Failed to find an available port: Address already in use");
        }, () -> true)).isInstanceOf(LibvirtException.class);
        assertThat(tried).as("a cancelled migration is not started again").hasSize(1);
    }

    @Test
    void everyRelayOfAFailedTryIsClosed() throws Exception {
        ProxiedMigration.run(ProxiedMigrationTest::relay, port -> {
            tried.add(port);
            if (tried.size() < 3) {
                throw LibvirtFailures.withMessage("Failed to find an available port: Address already in use");
            }
        }, () -> false);
        for (int port : tried) {
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress("127.0.0.1", port));
            }
        }
    }

    @Test
    void qemuNamesATakenMigrationPortAsTheAgentExpects() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            Process qemu = new ProcessBuilder("qemu-system-x86_64", "-machine", "none", "-display", "none",
                    "-monitor", "none", "-serial", "none", "-nodefaults",
                    "-incoming", "tcp:127.0.0.1:" + busy.getLocalPort()).redirectErrorStream(true).start();
            assertThat(qemu.waitFor(30, TimeUnit.SECONDS)).as("QEMU gives up at once").isTrue();
            String said = new String(qemu.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            assertThat(qemu.exitValue()).isNotZero();
            assertThat(ProxiedMigration.destinationPortTaken(LibvirtFailures.withMessage(
                    "internal error: unable to execute QEMU command 'migrate-incoming': " + said)))
                    .as("QEMU said: %s", said).isTrue();
        }
    }

    private static void closeQuietly(ServerSocket s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // test cleanup
        }
    }
}
