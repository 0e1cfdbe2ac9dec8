package dev.virtgate.agent.proxy;

import dev.virtgate.agent.pki.HostKey;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.contracts.migration.ProxyRoute;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The agent's migration proxy classes, run on their own for deploy/lab/bench-modes.sh (mode
 * TLS_AGENT_PROXY): the same server and relay the agent runs, with the lab's PEM files instead of the
 * agent's state. Benchmark tooling, not a product entry point.
 *
 * <pre>
 * LabMigrationProxy --listen ADDR --port N --loopback ADDR --ports A-B --cert F --key F --ca F --cluster ID
 *                   --relay-requests FIFO
 * </pre>
 * One long-running JVM per host, as the agent is: the proxy server, plus one relay per line
 * "ADDR:PORT SERVER_NAME" written to FIFO; the relay's loopback port is then written to FIFO.port.
 * Runs until killed.
 */
public final class LabMigrationProxy {

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        ProxyCredentials credentials = new ProxyCredentials(
                HostKey.loadIfPresent(Path.of(o.get("key"))).orElseThrow().privateKey(),
                Pem.certificates(Files.readString(Path.of(o.get("cert")))),
                Pem.certificates(Files.readString(Path.of(o.get("ca")))), c -> false, o.get("cluster"));
        ProxyHosts.Settings settings = new ProxyHosts.Settings(true, Integer.parseInt(o.get("port")),
                Optional.of(o.get("listen")), o.get("loopback"), o.get("ports"), 4);
        MigrationProxyServer server = new MigrationProxyServer(settings, () -> Optional.of(credentials));
        server.start();
        if (server.port() == null) {
            throw new IOException("the server did not start listening");
        }
        System.out.println("server ready on " + server.port());
        Path requests = Path.of(o.get("relay-requests"));
        while (true) {
            String request;
            try (var in = Files.newBufferedReader(requests)) { // blocks until the bench script writes
                request = in.readLine();
            }
            if (request == null || request.isBlank()) {
                continue;
            }
            String[] words = request.strip().split(" ");
            String[] to = words[0].split(":");
            MigrationProxyRelay relay = MigrationProxyRelay.open(settings.loopbackAddress(),
                    LoopbackPorts.parse(settings.loopbackPorts()), java.util.Set.of(),
                    new ProxyRoute(to[0], Integer.parseInt(to[1]), words[1]), credentials);
            Path reply = Path.of(requests + ".port");
            Path temp = Path.of(requests + ".port.tmp");
            Files.writeString(temp, Integer.toString(relay.port()));
            Files.move(temp, reply, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 0; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return o;
    }

    private LabMigrationProxy() {
    }
}
