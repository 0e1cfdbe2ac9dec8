package dev.virtgate.agent.proxy;

import dev.virtgate.contracts.migration.ProxyRoute;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;

/**
 * The source side of one TLS_AGENT_PROXY migration: a socket on this host's loopback where the
 * source QEMU connects (exactly once), carried inside TLS 1.3 to the destination agent's proxy, whose
 * certificate must chain to the trusted CAs, name {@code route.serverName()} and pass
 * {@link ProxyTls#checkPeer}. Closed when the migration ends; closing it ends the stream.
 */
public final class MigrationProxyRelay implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MigrationProxyRelay.class);

    private final ServerSocket loopback;
    private final AcceptingSocket accepting;
    private final ProxyRoute route;
    private final ProxyCredentials credentials;
    private volatile Socket qemu;
    private volatile Socket remote;

    private MigrationProxyRelay(ServerSocket loopback, ProxyRoute route, ProxyCredentials credentials) {
        this.loopback = loopback;
        this.route = route;
        this.credentials = credentials;
        this.accepting = new AcceptingSocket(loopback, "migration-relay-" + loopback.getLocalPort(), this::relay);
    }

    /**
     * Binds a free port of {@code ports} on {@code address}, other than those in {@code avoid}, and
     * waits there for QEMU. The search starts at a random port: the destination's QEMU must find the
     * same port free, and migrations from several sources into one destination would otherwise all
     * pick the range's first port.
     */
    public static MigrationProxyRelay open(String address, LoopbackPorts ports, Set<Integer> avoid, ProxyRoute route,
            ProxyCredentials credentials) throws IOException {
        InetAddress at = InetAddress.getByName(address);
        for (int port : ports.inRandomOrder()) {
            if (avoid.contains(port)) {
                continue;
            }
            ServerSocket s = new ServerSocket();
            try {
                s.bind(new InetSocketAddress(at, port), 1);
            } catch (IOException busy) {
                s.close();
                continue;
            }
            MigrationProxyRelay relay = new MigrationProxyRelay(s, route, credentials);
            relay.accepting.start();
            return relay;
        }
        throw new IOException("no free loopback port in " + ports.first() + "-" + ports.last());
    }

    /** The loopback port QEMU connects to; the destination's QEMU listens on the same one. */
    public int port() {
        return loopback.getLocalPort();
    }

    private void relay() {
        String who = route.serverName() + " at " + route.address() + ":" + route.port();
        try {
            Socket q = loopback.accept();
            qemu = q;
            loopback.close(); // exactly one connection
            q.setTcpNoDelay(true);
            Socket plain = new Socket();
            remote = plain;
            plain.connect(new InetSocketAddress(route.address(), route.port()),
                    MigrationProxyServer.HANDSHAKE_TIMEOUT_MS);
            plain.setTcpNoDelay(true);
            plain.setSoTimeout(MigrationProxyServer.HANDSHAKE_TIMEOUT_MS);
            SSLSocket tls = ProxyTls.client(plain, route.serverName(), credentials);
            remote = tls;
            tls.startHandshake();
            ProxyTls.checkPeer(tls, credentials);
            ProxyHeader.write(tls.getOutputStream(), port());
            tls.setSoTimeout(0);
            long t0 = System.nanoTime();
            StreamPump.Result r = StreamPump.run(q, tls, "migration-relay-" + port());
            LOG.infof("migration relay to %s from port %d %s: %d bytes out, %d bytes in, %.1f s", who, port(),
                    r.failed() ? "broke off" : "ended", r.forward(), r.backward(), (System.nanoTime() - t0) / 1e9);
        } catch (ProxyRefused e) {
            LOG.warnf("migration relay refused %s: %s", who, e.getMessage());
        } catch (IOException e) {
            if (!loopback.isClosed() || qemu != null) {
                LOG.warnf("migration relay to %s failed: %s", who, e.getMessage());
            }
        } finally {
            close();
        }
    }

    /** Ends the stream; when it returns, the loopback port refuses connections. */
    @Override
    public void close() {
        StreamPump.closeQuietly(qemu);
        StreamPump.closeQuietly(remote);
        accepting.close();
    }
}
