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
import java.util.concurrent.CountDownLatch;

/**
 * The agent's migration proxy classes, run on their own for deploy/lab/bench-modes.sh (mode
 * TLS_AGENT_PROXY): the same server and relay the agent runs, with the lab's PEM files instead of the
 * agent's state. Benchmark tooling, not a product entry point.
 *
 * <pre>
 * server --listen ADDR --port N --loopback ADDR --ports A-B --cert F --key F --ca F --cluster ID
 * relay  --loopback ADDR --ports A-B --to ADDR:PORT --server-name FQDN --cert F --key F --ca F --cluster ID
 * </pre>
 * The server runs until killed; the relay prints "relay ready on PORT" and carries one stream.
 */
public final class LabMigrationProxy {

    public static void main(String[] args) throws Exception {
        Map<String, String> o = options(args);
        ProxyCredentials credentials = new ProxyCredentials(
                HostKey.loadIfPresent(Path.of(o.get("key"))).orElseThrow().privateKey(),
                Pem.certificates(Files.readString(Path.of(o.get("cert")))),
                Pem.certificates(Files.readString(Path.of(o.get("ca")))), c -> false, o.get("cluster"));
        if ("server".equals(args[0])) {
            ProxyHosts.Settings settings = new ProxyHosts.Settings(true, Integer.parseInt(o.get("port")),
                    Optional.of(o.get("listen")), o.get("loopback"), o.get("ports"), 4);
            MigrationProxyServer server = new MigrationProxyServer(settings, () -> Optional.of(credentials));
            server.start();
            if (server.port() == null) {
                throw new IOException("the server did not start listening");
            }
            System.out.println("server ready on " + server.port());
            new CountDownLatch(1).await();
        } else {
            String[] to = o.get("to").split(":");
            MigrationProxyRelay relay = MigrationProxyRelay.open(o.get("loopback"), LoopbackPorts.parse(o.get("ports")),
                    new ProxyRoute(to[0], Integer.parseInt(to[1]), o.get("server-name")), credentials);
            System.out.println("relay ready on " + relay.port());
            new CountDownLatch(1).await(); // the bench script stops it once virsh returns
        }
    }

    private static Map<String, String> options(String[] args) {
        Map<String, String> o = new HashMap<>();
        for (int i = 1; i + 1 < args.length; i += 2) {
            o.put(args[i].replaceFirst("^--", ""), args[i + 1]);
        }
        return o;
    }

    private LabMigrationProxy() {
    }
}
