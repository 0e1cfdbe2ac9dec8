package dev.virtgate.agent.proxy;

import dev.virtgate.agent.config.AgentConfig;
import org.jboss.logging.Logger;

import javax.net.ssl.SSLException;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.function.Supplier;

/**
 * The destination side of TLS_AGENT_PROXY: accepts TLS 1.3 from peers' agents (client certificate
 * required), checks the peer ({@link ProxyTls#checkPeer}), reads the {@link ProxyHeader} and carries
 * the stream to QEMU's incoming socket on loopback. At most max-streams at once; the credentials are
 * read for each connection, so a renewed certificate or CRL applies at once.
 */
public final class MigrationProxyServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MigrationProxyServer.class);
    static final int HANDSHAKE_TIMEOUT_MS = 10_000;

    private final AgentConfig.MigrationProxy settings;
    private final LoopbackPorts ports;
    private final Supplier<Optional<ProxyCredentials>> credentials;
    private final Semaphore streams;
    private volatile AcceptingSocket listener;

    public MigrationProxyServer(AgentConfig.MigrationProxy settings, Supplier<Optional<ProxyCredentials>> credentials) {
        this.settings = settings;
        this.ports = LoopbackPorts.parse(settings.loopbackPorts());
        this.credentials = credentials;
        this.streams = new Semaphore(Math.max(1, settings.maxStreams()));
    }

    /** Listens (if not yet); a port that cannot be bound is logged and the mode is not offered. */
    public synchronized void start() {
        if (listener != null) {
            return;
        }
        try {
            ServerSocket s = new ServerSocket();
            s.setReuseAddress(true);
            InetAddress address = settings.listenAddress().isPresent()
                    ? InetAddress.getByName(settings.listenAddress().get()) : null;
            s.bind(new InetSocketAddress(address, settings.port()), 64);
            listener = new AcceptingSocket(s, "migration-proxy", () -> acceptLoop(s));
            listener.start();
            LOG.infof("migration proxy listening on %s", s.getLocalSocketAddress());
            CipherWarmUp.startOnce();
        } catch (IOException e) {
            LOG.warnf("migration proxy cannot listen on port %d: %s; TLS_AGENT_PROXY not offered", settings.port(),
                    e.getMessage());
        }
    }

    /** The port peers dial, while listening; else null. */
    public Integer port() {
        AcceptingSocket l = listener;
        return l == null || l.socket().isClosed() ? null : l.socket().getLocalPort();
    }

    /** Stops listening; when it returns, the port refuses connections. */
    @Override
    public synchronized void close() {
        if (listener != null) {
            listener.close();
            listener = null;
        }
    }

    private void acceptLoop(ServerSocket s) {
        while (!s.isClosed()) {
            try {
                Socket c = s.accept();
                if (!streams.tryAcquire()) {
                    LOG.warnf("migration proxy: refused %s: already %d streams", c.getRemoteSocketAddress(),
                            settings.maxStreams());
                    StreamPump.closeQuietly(c);
                    continue;
                }
                Thread t = new Thread(() -> {
                    try {
                        serve(c);
                    } finally {
                        streams.release();
                    }
                }, "migration-proxy-stream");
                t.setDaemon(true);
                t.start();
            } catch (IOException e) {
                if (!s.isClosed()) {
                    LOG.warnf("migration proxy: accept failed: %s", e.getMessage());
                }
            }
        }
    }

    private void serve(Socket accepted) {
        SSLSocket tls = null;
        Socket qemu = null;
        String who = "unauthenticated peer";
        try {
            ProxyCredentials c = credentials.get().orElseThrow(() -> new ProxyRefused("this host has no certificate"));
            accepted.setSoTimeout(HANDSHAKE_TIMEOUT_MS);
            accepted.setTcpNoDelay(true);
            tls = ProxyTls.server(accepted, c);
            tls.startHandshake();
            who = ProxyTls.subjectOf(tls);
            ProxyTls.checkPeer(tls, c);
            int port = ProxyHeader.read(tls.getInputStream(), ports);
            qemu = new Socket();
            qemu.connect(new InetSocketAddress(InetAddress.getByName(settings.loopbackAddress()), port),
                    HANDSHAKE_TIMEOUT_MS);
            qemu.setTcpNoDelay(true);
            tls.setSoTimeout(0);
            long t0 = System.nanoTime();
            StreamPump.Result r = StreamPump.run(tls, qemu, "migration-proxy-" + port);
            LOG.infof("migration proxy stream from %s to port %d %s: %d bytes in, %d bytes out, %.1f s",
                    who, port, r.failed() ? "broke off" : "ended", r.forward(), r.backward(),
                    (System.nanoTime() - t0) / 1e9);
        } catch (ProxyRefused e) {
            LOG.warnf("migration proxy refused %s: %s", who, e.getMessage());
        } catch (SocketTimeoutException e) {
            LOG.warnf("migration proxy refused %s: no handshake or header in time", who);
        } catch (SSLException e) {
            LOG.warnf("migration proxy refused %s: TLS handshake failed: %s", who, e.getMessage());
        } catch (IOException e) {
            LOG.warnf("migration proxy refused %s: %s", who, e.getMessage());
        } finally {
            StreamPump.closeQuietly(qemu);
            StreamPump.closeQuietly(tls);
            StreamPump.closeQuietly(accepted);
        }
    }
}
