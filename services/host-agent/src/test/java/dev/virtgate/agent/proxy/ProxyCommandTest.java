package dev.virtgate.agent.proxy;

import dev.virtgate.agent.libvirt.MigrationRunner;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.ProxyRoute;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.ReentrantReadWriteLock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** What the runner makes of a TLS_AGENT_PROXY command, before and around libvirt. */
class ProxyCommandTest {
    static final List<String> FLAGS = List.of("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE");
    static final ProxyRoute ROUTE = new ProxyRoute("127.0.0.1", 16516, ProxyHosts.DEST);
    final ProxyHosts hosts = new ProxyHosts();
    final List<Event> published = new CopyOnWriteArrayList<>();
    // no libvirtd at this URI: a command that got past the checks fails there, later and differently
    final MigrationRunner runner = new MigrationRunner("qemu+tcp://127.0.0.1:1/system", "h1", published::add,
            new ReentrantReadWriteLock(), new MigrationProxy(hosts.sourceSettings, () -> Optional.of(hosts.source)));

    @Test
    void aProxyCommandWithoutRouteIsRefusedBeforeLibvirt() {
        runner.start(command(FLAGS, Map.of(), null));
        assertThat(reasons()).containsExactly("TLS_AGENT_PROXY command without a proxy route");
    }

    @Test
    void libvirtsOwnTlsTunnelOrMultifdAreRefusedBeforeLibvirt() {
        for (String flag : List.of("TLS", "TUNNELLED", "PARALLEL")) {
            List<String> flags = new java.util.ArrayList<>(FLAGS);
            flags.add(flag);
            runner.start(command(flags, Map.of(), ROUTE));
        }
        assertThat(reasons()).hasSize(3).allSatisfy(r -> assertThat(r)
                .isEqualTo("TLS_AGENT_PROXY cannot be combined with the TLS, TUNNELLED or PARALLEL flags"));
    }

    @Test
    void migrateUriAndListenAddressComeOnlyFromTheAgent() {
        runner.start(command(FLAGS, Map.of("migrate_uri", "tcp://203.0.113.9:49152"), ROUTE));
        runner.start(command(FLAGS, Map.of("listen_address", "0.0.0.0"), ROUTE));
        assertThat(reasons()).containsExactly(
                "TLS_AGENT_PROXY sets migration parameter migrate_uri itself: the command may not",
                "TLS_AGENT_PROXY sets migration parameter listen_address itself: the command may not");
    }

    @Test
    void qemusStreamIsPointedAtTheLoopbackRelay() {
        assertThat(ProxyCommand.parameters(Map.of("bandwidth", "100"), "127.0.0.1", 49300).toWire())
                .containsEntry("migrate_uri", "tcp://127.0.0.1:49300")
                .containsEntry("listen_address", "127.0.0.1")
                .containsEntry("bandwidth", "100");
        assertThat(ProxyCommand.parameters(Map.of(), "::1", 49301).toWire())
                .containsEntry("migrate_uri", "tcp://[::1]:49301");
    }

    @Test
    void aValidCommandReachesLibvirtAndItsRelayIsClosedAfterwards() {
        runner.start(command(FLAGS, Map.of(), ROUTE));
        await().atMost(Duration.ofSeconds(30)).until(() -> !published.isEmpty());
        assertThat(reasons()).containsExactly("libvirt refused or failed the migration");
        // the relay held the range's first port while libvirt was called; the runner's finally frees it
        await().atMost(Duration.ofSeconds(10)).until(() -> bindable(hosts.firstPort));
    }

    @Test
    void anAgentWithoutProxyRefusesTheMode() {
        var plain = new MigrationRunner("qemu+tcp://127.0.0.1:1/system", "h1", published::add,
                new ReentrantReadWriteLock());
        plain.start(command(FLAGS, Map.of(), ROUTE));
        assertThat(reasons()).containsExactly("this agent offers no migration proxy");
    }

    List<String> reasons() {
        return published.stream().map(e -> ((MigrationFailed) e).reason()).toList();
    }

    static boolean bindable(int port) {
        try (ServerSocket s = new ServerSocket()) {
            s.bind(new InetSocketAddress("127.0.0.1", port));
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    static MigrationRequested command(List<String> flags, Map<String, String> parameters, ProxyRoute route) {
        Instant now = Instant.now();
        return new MigrationRequested("m-proxy", "vg-guest", "lab", "h1", "h2", "qemu+tls://h2.lab.virtgate.test/system",
                flags, parameters, MigrationMode.TLS_AGENT_PROXY, List.of("test"), "alice", now, now.plusSeconds(300),
                "virtgate-migration-commands", "vault:v1:MEUCIQ==", route);
    }
}
