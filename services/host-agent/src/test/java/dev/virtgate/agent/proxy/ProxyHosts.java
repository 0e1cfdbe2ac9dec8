package dev.virtgate.agent.proxy;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.it.TestPki;
import dev.virtgate.testsupport.trust.TestCa;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * Two hosts of cluster "lab" on one machine, with real certificates from a test CA: the source's
 * loopback is 127.0.0.1, the destination's 127.0.0.2 (both on lo), so the relay and the destination's
 * "QEMU" can use the same port as on two hosts.
 */
final class ProxyHosts implements AutoCloseable {
    static final String CLUSTER = "lab";
    static final String SOURCE = "h1.lab.virtgate.test";
    static final String DEST = "h2.lab.virtgate.test";

    final TestPki pki = new TestPki("virtgate-px");
    final Set<BigInteger> revokedAtDest = ConcurrentHashMap.newKeySet();
    final Set<BigInteger> revokedAtSource = ConcurrentHashMap.newKeySet();
    final ProxyCredentials source = credentials(SOURCE, CLUSTER, revokedAtSource);
    final ProxyCredentials dest = credentials(DEST, CLUSTER, revokedAtDest);
    final int firstPort = freeRange();
    final Settings sourceSettings = new Settings(true, 0, Optional.of("127.0.0.1"), "127.0.0.1",
            firstPort + "-" + (firstPort + 3), 4);

    record Settings(boolean enabled, int port, Optional<String> listenAddress, String loopbackAddress,
            String loopbackPorts, int maxStreams) implements AgentConfig.MigrationProxy {
        Settings withMaxStreams(int n) {
            return new Settings(enabled, port, listenAddress, loopbackAddress, loopbackPorts, n);
        }
    }

    Settings destSettings() {
        return new Settings(true, 0, Optional.of("127.0.0.1"), "127.0.0.2", sourceSettings.loopbackPorts(), 4);
    }

    ProxyCredentials credentials(String fqdn, String cluster, Set<BigInteger> revoked) {
        return credentials(pki, fqdn, cluster, revoked);
    }

    static ProxyCredentials credentials(TestPki ca, String fqdn, String cluster, Set<BigInteger> revoked) {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.hostCertificate(fqdn.substring(0, 2), cluster, fqdn, key.getPublic(), List.of());
        return new ProxyCredentials(key.getPrivate(), List.of(cert), List.of(ca.ca),
                c -> revoked.contains(c.getSerialNumber()), CLUSTER);
    }

    /** Four consecutive ports free on 127.0.0.1 and 127.0.0.2. */
    private static int freeRange() {
        for (int base = 41_000 + (int) (ProcessHandle.current().pid() % 200) * 20; base < 60_000; base += 4) {
            if (bindable(base, 4)) {
                return base;
            }
        }
        throw new IllegalStateException("no free port range");
    }

    private static boolean bindable(int base, int n) {
        for (int p = base; p < base + n; p++) {
            for (String a : List.of("127.0.0.1", "127.0.0.2")) {
                try (ServerSocket s = new ServerSocket()) {
                    s.bind(new InetSocketAddress(a, p));
                } catch (IOException e) {
                    return false;
                }
            }
        }
        return true;
    }

    /** QEMU waiting for an incoming migration at {@code address}:{@code port}: every connection it accepts. */
    static final class FakeQemu implements AutoCloseable {
        final ServerSocket socket;
        final BlockingQueue<Socket> accepted = new LinkedBlockingQueue<>();

        FakeQemu(String address, int port) throws IOException {
            socket = new ServerSocket();
            socket.setReuseAddress(true);
            socket.bind(new InetSocketAddress(InetAddress.getByName(address), port));
            Thread t = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        accepted.add(socket.accept());
                    } catch (IOException e) {
                        return;
                    }
                }
            }, "fake-qemu-" + port);
            t.setDaemon(true);
            t.start();
        }

        @Override
        public void close() {
            StreamPump.closeQuietly(socket);
            accepted.forEach(StreamPump::closeQuietly);
        }
    }

    @Override
    public void close() {
    }
}
