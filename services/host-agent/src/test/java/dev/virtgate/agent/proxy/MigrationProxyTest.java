package dev.virtgate.agent.proxy;

import dev.virtgate.agent.it.TestPki;
import dev.virtgate.contracts.migration.ProxyRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLSocket;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The migration proxy over real loopback sockets and real TLS 1.3: source QEMU - relay - TLS -
 * server - destination QEMU, and what the server and the relay refuse.
 */
class MigrationProxyTest {
    static final int MIB = 1024 * 1024;
    final ProxyHosts hosts = new ProxyHosts();
    final List<AutoCloseable> open = new ArrayList<>();

    @AfterEach
    void close() {
        open.forEach(StreamPump::closeQuietly);
    }

    <T extends AutoCloseable> T keep(T c) {
        open.add(c);
        return c;
    }

    MigrationProxyServer server(ProxyHosts.Settings settings) {
        MigrationProxyServer s = keep(new MigrationProxyServer(settings, () -> Optional.of(hosts.dest)));
        s.start();
        assertThat(s.port()).isNotNull();
        return s;
    }

    ProxyRoute route(MigrationProxyServer server, String serverName) {
        return new ProxyRoute("127.0.0.1", server.port(), serverName);
    }

    MigrationProxyRelay relay(ProxyRoute route) throws IOException {
        return keep(MigrationProxyRelay.open("127.0.0.1", LoopbackPorts.parse(hosts.sourceSettings.loopbackPorts()),
                Set.of(), route, hosts.source));
    }

    @Test
    void aClosedServerOrRelayRefusesConnectionsWhenCloseReturns() throws Exception {
        // the JDK leaves a socket listening until the thread blocked in its accept has woken up
        for (int i = 0; i < 50; i++) {
            MigrationProxyServer server = new MigrationProxyServer(hosts.destSettings(), () -> Optional.of(hosts.dest));
            server.start();
            int serverPort = server.port();
            awaitBlockedInAccept("migration-proxy");
            server.close();
            assertRefused(serverPort, "the server, close " + i);
            MigrationProxyRelay relay = MigrationProxyRelay.open("127.0.0.1",
                    LoopbackPorts.parse(hosts.sourceSettings.loopbackPorts()), Set.of(),
                    new ProxyRoute("127.0.0.1", serverPort, ProxyHosts.DEST), hosts.source);
            int relayPort = relay.port();
            awaitBlockedInAccept("migration-relay-" + relayPort);
            relay.close();
            assertRefused(relayPort, "the relay, close " + i);
        }
    }

    /** Until a thread of that name waits in a socket's accept (where closing races with the kernel). */
    static void awaitBlockedInAccept(String threadName) {
        await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(2))
                .until(() -> Thread.getAllStackTraces().entrySet().stream()
                        .anyMatch(t -> t.getKey().getName().equals(threadName)
                                && Arrays.stream(t.getValue()).anyMatch(f -> f.getMethodName().equals("accept"))));
    }

    static void assertRefused(int port, String what) throws IOException {
        try (Socket probe = new Socket()) {
            assertThatThrownBy(() -> probe.connect(new InetSocketAddress("127.0.0.1", port), 2_000))
                    .as(what).isInstanceOf(IOException.class);
        }
    }

    @Test
    void aStreamCrossesIntactBothWaysWithHalfClose() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        MigrationProxyRelay relay = relay(route(server, ProxyHosts.DEST));
        var qemu = keep(new ProxyHosts.FakeQemu("127.0.0.2", relay.port()));
        byte[] chunk = new byte[256 * 1024];
        new Random(42).nextBytes(chunk);
        int chunks = 64 * MIB / chunk.length;

        try (Socket src = new Socket("127.0.0.1", relay.port())) {
            src.setSoTimeout(60_000);
            Socket dst = qemu.accepted.poll(20, TimeUnit.SECONDS);
            assertThat(dst).as("the destination QEMU got the stream").isNotNull();
            keep(dst);
            dst.setSoTimeout(60_000);
            // the destination reads to the end, then answers with its digest after the source's half-close
            Thread reader = new Thread(() -> {
                try {
                    byte[] digest = digest(dst.getInputStream());
                    OutputStream back = dst.getOutputStream();
                    back.write(digest);
                    back.write(chunk, 0, 100_000);
                    dst.shutdownOutput();
                } catch (Exception e) {
                    StreamPump.closeQuietly(dst);
                }
            });
            reader.start();
            MessageDigest sent = MessageDigest.getInstance("SHA-256");
            long t0 = System.nanoTime();
            OutputStream out = src.getOutputStream();
            for (int i = 0; i < chunks; i++) {
                out.write(chunk);
                sent.update(chunk);
            }
            src.shutdownOutput();
            DataInputStream in = new DataInputStream(src.getInputStream());
            byte[] theirs = new byte[32];
            in.readFully(theirs);
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf("migration proxy: 64 MiB through relay+server in %.2f s = %.0f MiB/s%n", seconds,
                    64 / seconds);
            assertThat(HexFormat.of().formatHex(theirs)).isEqualTo(HexFormat.of().formatHex(sent.digest()));
            byte[] rest = in.readAllBytes(); // then the end of the stream: the destination's half-close came through
            assertThat(rest).isEqualTo(Arrays.copyOf(chunk, 100_000));
            reader.join(10_000);
        }
        assertThat(qemu.accepted).isEmpty();
    }

    @Test
    void aClientOfAForeignCaIsRefusedAtTheHandshake() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        var qemu = keep(new ProxyHosts.FakeQemu("127.0.0.2", hosts.firstPort));
        TestPki foreign = new TestPki("virtgate-px"); // same CA name, another key
        ProxyCredentials attacker = ProxyHosts.credentials(foreign, ProxyHosts.SOURCE, ProxyHosts.CLUSTER,
                java.util.Set.of());
        attacker = new ProxyCredentials(attacker.key(), attacker.chain(), List.of(hosts.pki.ca), c -> false,
                ProxyHosts.CLUSTER); // it trusts the real CA, so only the server can refuse
        assertRefused(server, attacker, hosts.firstPort);
        assertNothingReaches(qemu);
    }

    @Test
    void aHostOfAnotherClusterIsRefused() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        var qemu = keep(new ProxyHosts.FakeQemu("127.0.0.2", hosts.firstPort));
        ProxyCredentials other = hosts.credentials("h9.other.virtgate.test", "other", java.util.Set.of());
        assertRefused(server, other, hosts.firstPort);
        assertNothingReaches(qemu);
    }

    @Test
    void aRevokedPeerIsRefused() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        var qemu = keep(new ProxyHosts.FakeQemu("127.0.0.2", hosts.firstPort));
        hosts.revokedAtDest.add(hosts.source.chain().get(0).getSerialNumber());
        assertRefused(server, hosts.source, hosts.firstPort);
        assertNothingReaches(qemu);
    }

    @Test
    void aPortOutsideTheLoopbackRangeIsRefusedAndNotConnected() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        int below = hosts.firstPort - 1;
        int above = hosts.firstPort + 4;
        var qemuBelow = keep(new ProxyHosts.FakeQemu("127.0.0.2", below));
        var qemuAbove = keep(new ProxyHosts.FakeQemu("127.0.0.2", above));
        for (int port : new int[] {22, 16509, below, above}) {
            assertRefused(server, hosts.source, port);
        }
        assertNothingReaches(qemuBelow);
        assertNothingReaches(qemuAbove);
    }

    @Test
    void moreThanMaxStreamsAreClosedAtOnce() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings().withMaxStreams(1));
        var qemu = keep(new ProxyHosts.FakeQemu("127.0.0.2", hosts.firstPort));
        SSLSocket first = keep(dial(server, hosts.source, hosts.firstPort));
        Socket held = qemu.accepted.poll(20, TimeUnit.SECONDS);
        assertThat(held).as("the first stream is carried").isNotNull();
        keep(held);
        assertRefused(server, hosts.source, hosts.firstPort);
        assertNothingReaches(qemu);
        first.close(); // once it ended both ways, a stream is accepted again
        held.close();
        await().atMost(Duration.ofSeconds(20)).ignoreExceptions().untilAsserted(() -> {
            keep(dial(server, hosts.source, hosts.firstPort));
            assertThat(qemu.accepted.poll(1, TimeUnit.SECONDS)).isNotNull();
        });
    }

    @Test
    void theRelayRefusesADestinationNamingAnotherHostAndClosesQemusSide() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        MigrationProxyRelay relay = relay(route(server, "h3.lab.virtgate.test"));
        var qemu = keep(new ProxyHosts.FakeQemu("127.0.0.2", relay.port()));
        try (Socket src = new Socket("127.0.0.1", relay.port())) {
            src.setSoTimeout(20_000);
            src.getOutputStream().write(new byte[1000]);
            assertThat(readToEnd(src.getInputStream())).as("QEMU's side closed, nothing answered").isZero();
        }
        assertNothingReaches(qemu);
    }

    @Test
    void eachConnectionTakesTheCurrentCertificate() throws Exception {
        var current = new java.util.concurrent.atomic.AtomicReference<>(hosts.dest);
        MigrationProxyServer server = keep(new MigrationProxyServer(hosts.destSettings(),
                () -> Optional.of(current.get())));
        server.start();
        keep(new ProxyHosts.FakeQemu("127.0.0.2", hosts.firstPort));
        ProxyCredentials renewed = hosts.credentials(ProxyHosts.DEST, ProxyHosts.CLUSTER, java.util.Set.of());
        try (SSLSocket before = dial(server, hosts.source, hosts.firstPort)) {
            assertThat(before.getSession().getPeerCertificates()[0]).isEqualTo(hosts.dest.chain().get(0));
        }
        current.set(renewed); // a renewal, no restart
        try (SSLSocket after = dial(server, hosts.source, hosts.firstPort)) {
            assertThat(after.getSession().getPeerCertificates()[0]).isEqualTo(renewed.chain().get(0));
        }
    }

    @Test
    void theRelayAcceptsExactlyOneConnection() throws Exception {
        MigrationProxyServer server = server(hosts.destSettings());
        MigrationProxyRelay relay = relay(route(server, ProxyHosts.DEST));
        keep(new ProxyHosts.FakeQemu("127.0.0.2", relay.port()));
        Socket first = keep(new Socket("127.0.0.1", relay.port()));
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> assertThatThrownBy(() ->
                keep(new Socket("127.0.0.1", relay.port()))).isInstanceOf(IOException.class));
        assertThat(first.isClosed()).isFalse();
    }

    /** An agent with {@code who}'s certificate dials the server directly and asks for {@code port}. */
    SSLSocket dial(MigrationProxyServer server, ProxyCredentials who, int port) throws IOException {
        Socket plain = new Socket();
        plain.connect(new InetSocketAddress("127.0.0.1", server.port()), 10_000);
        plain.setSoTimeout(10_000);
        SSLSocket tls = ProxyTls.client(plain, ProxyHosts.DEST, who);
        tls.startHandshake();
        ProxyHeader.write(tls.getOutputStream(), port);
        return tls;
    }

    /** The server ends the connection without carrying anything (in TLS 1.3 a refused client sees it on read). */
    void assertRefused(MigrationProxyServer server, ProxyCredentials who, int port) {
        try (SSLSocket tls = dial(server, who, port)) {
            assertThat(readToEnd(tls.getInputStream())).isZero();
        } catch (java.net.SocketTimeoutException e) {
            throw new AssertionError("the server kept the connection open", e);
        } catch (IOException expected) {
            // refused during the handshake or the read
        }
    }

    static void assertNothingReaches(ProxyHosts.FakeQemu qemu) {
        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(5)).until(qemu.accepted::isEmpty);
    }

    static long readToEnd(InputStream in) throws IOException {
        long n = 0;
        byte[] b = new byte[8192];
        int r;
        while ((r = in.read(b)) >= 0) {
            n += r;
        }
        return n;
    }

    static byte[] digest(InputStream in) throws Exception {
        MessageDigest d = MessageDigest.getInstance("SHA-256");
        byte[] b = new byte[256 * 1024];
        int r;
        while ((r = in.read(b)) >= 0) {
            d.update(b, 0, r);
        }
        return d.digest();
    }
}
