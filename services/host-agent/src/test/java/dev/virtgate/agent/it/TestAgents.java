package dev.virtgate.agent.it;

import dev.virtgate.agent.config.AgentConfig;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;

import java.util.HashMap;
import java.util.Map;

/** Builds the agent's typed configuration from a map, as Quarkus would from application.properties. */
public final class TestAgents {

    public static AgentConfig config(Map<String, String> values) {
        Map<String, String> all = new HashMap<>();
        all.put("virtgate.agent.bus.tls-bootstrap-servers", "127.0.0.1:9"); // the core never reads them
        all.put("virtgate.agent.bus.ca-file", "/nonexistent/bus-ca.pem");
        // several test agents in one JVM: each one's migration proxy on loopback, any free port (on in tests)
        all.put("virtgate.agent.migration-proxy.enabled", "true");
        all.put("virtgate.agent.migration-proxy.listen-address", "127.0.0.1");
        all.put("virtgate.agent.migration-proxy.port", "0");
        values.forEach((k, v) -> all.put(k.startsWith("virtgate.") ? k : "virtgate.agent." + k, v));
        SmallRyeConfig config = new SmallRyeConfigBuilder().withMapping(AgentConfig.class)
                .withSources(new PropertiesConfigSource(all, "test", 500))
                .withConverter(java.time.Duration.class, 200, new io.quarkus.runtime.configuration.DurationConverter())
                .build();
        return config.getConfigMapping(AgentConfig.class);
    }

    public static Map<String, String> forHost(PrivateLibvirtd host, String hostId, String fqdn) {
        Map<String, String> m = new HashMap<>();
        m.put("host-id", hostId);
        m.put("cluster-id", "lab");
        m.put("fqdn", fqdn);
        m.put("management-address", "127.0.0.1");
        m.put("migration-address", "198.51.100.10"); // libvirt refuses a loopback migration_address
        m.put("libvirt-uri", host.libvirtUri());
        m.put("admin-uri", host.adminUri());
        m.put("tcp-port", Integer.toString(host.tcpPort()));
        m.put("tls-port", Integer.toString(host.tlsPort()));
        m.put("sasl-realm", hostId);
        m.put("migration-port-min", "49152");
        m.put("migration-port-max", "49215");
        m.put("paths.root", host.root().toString());
        m.put("libvirtd.restart-command", String.join(",", host.ctlCommand("restart")));
        m.put("libvirtd.health-timeout", "60s");
        m.put("openbao.url", "http://127.0.0.1:1");
        m.put("bus.tls-bootstrap-servers", "127.0.0.1:9");
        m.put("bus.ca-file", busCaFile(host.root()).toString());
        return m;
    }

    /** A bus CA file for an agent that never reaches a broker (it must exist and hold a certificate to start). */
    public static java.nio.file.Path busCaFile(java.nio.file.Path dir) {
        java.nio.file.Path file = dir.resolve("bus-ca.pem");
        try {
            java.nio.file.Files.createDirectories(dir);
            java.nio.file.Files.writeString(file, new dev.virtgate.testsupport.trust.TestCa("unused-bus-ca").pem());
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return file;
    }

    private TestAgents() {
    }
}
