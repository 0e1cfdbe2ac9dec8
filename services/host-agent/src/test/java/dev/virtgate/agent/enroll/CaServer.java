package dev.virtgate.agent.enroll;

import com.sun.net.httpserver.HttpServer;
import dev.virtgate.agent.pki.MiniCa;
import dev.virtgate.contracts.trust.EventSignatures;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Stands in for pki-service's public {@code GET /v1/ca}: a real CA certificate (BouncyCastle, via
 * {@link MiniCa}) in PEM, on 127.0.0.1, counting the requests it gets.
 */
public final class CaServer implements AutoCloseable {
    private final MiniCa ca = new MiniCa("virtgate test CA");
    private final AtomicInteger requests = new AtomicInteger();
    private final HttpServer server;

    public CaServer() throws IOException {
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/v1/ca", exchange -> {
            requests.incrementAndGet();
            byte[] pem = ca.certificatePem().getBytes(StandardCharsets.US_ASCII);
            exchange.getResponseHeaders().add("Content-Type", "application/x-pem-file");
            exchange.sendResponseHeaders(200, pem.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(pem);
            }
        });
        server.start();
    }

    public String url() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    /** {@code sha256:<hex>} of the CA it serves: what an enrollment bundle would pin. */
    public String fingerprint() {
        return EventSignatures.fingerprint(ca.certificate());
    }

    public int requests() {
        return requests.get();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
