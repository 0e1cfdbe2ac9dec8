package dev.virtgate.agent.deb;

import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.it.TestAgents;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The unit's {@code ReadWritePaths} are exactly the directories the agent writes with its default
 * paths (every write is an atomic rename inside the file's directory): a new file somewhere else
 * fails here before it fails on a host as "Read-only file system". postinst creates each of them.
 */
class UnitFileTest {
    static final Path UNIT = Path.of("src/deb/systemd/virtgate-agent.service");
    static final Path POSTINST = Path.of("src/deb/control/postinst");

    @Test
    void readWritePathsAreExactlyTheDirectoriesTheAgentWrites() throws IOException {
        AgentPaths paths = new AgentPaths(TestAgents.config(Map.of("host-id", "h1", "cluster-id", "c",
                "fqdn", "h1.example.org", "management-address", "192.0.2.1")).paths());
        List<String> written = List.of(paths.libvirtdConf(), paths.qemuConf(), paths.authConf(), paths.sasldb(),
                paths.saslConf(), paths.caCert(), paths.crl(), paths.serverCert(), paths.clientCert(),
                paths.serverKey(), paths.clientKey(), paths.qemuTlsDir + "/ca-cert.pem", paths.stateFile().toString());
        Set<String> dirs = written.stream().map(f -> f.substring(0, f.lastIndexOf('/'))).collect(Collectors.toSet());
        // a directory inside another writable one needs no entry of its own
        Set<String> needed = dirs.stream().filter(d -> dirs.stream().noneMatch(o -> d.startsWith(o + "/")))
                .collect(Collectors.toCollection(TreeSet::new));

        assertThat(new TreeSet<>(readWritePaths())).isEqualTo(needed);
        String postinst = Files.readString(POSTINST);
        List<String> created = postinst.lines().filter(l -> l.trim().startsWith("for d in "))
                .flatMap(l -> Arrays.stream(l.trim().replace("for d in ", "").replace("; do", "").split("\\s+"))).toList();
        assertThat(created).containsAll(needed.stream().filter(d -> !d.equals("/var/lib/virtgate-agent")).toList());
        assertThat(postinst).contains("install -d -m 0700 -o root -g root /var/lib/virtgate-agent");
    }

    @Test
    void novasDropInDirectoryIsWritableWhereItExists() throws IOException {
        String dropIn = TestAgents.config(Map.of("host-id", "h1", "cluster-id", "c", "fqdn", "h1.example.org",
                "management-address", "192.0.2.1")).nova().dropIn();
        assertThat(optionalReadWritePaths()).containsExactly("-" + dropIn.substring(0, dropIn.lastIndexOf('/')));
    }

    @Test
    void theUnitIsHardenedAndRestartsOnFailure() throws IOException {
        assertThat(Files.readAllLines(UNIT)).contains("ProtectSystem=strict", "NoNewPrivileges=yes",
                "Restart=on-failure", "PrivateTmp=yes", "ProtectHome=yes", "EnvironmentFile=/etc/virtgate/agent.env");
    }

    private static List<String> readWritePaths() throws IOException {
        return allReadWritePaths().stream().filter(p -> !p.startsWith("-")).toList();
    }

    /** Paths with systemd's "-" prefix: writable where they exist, no error where they do not. */
    private static List<String> optionalReadWritePaths() throws IOException {
        return allReadWritePaths().stream().filter(p -> p.startsWith("-")).toList();
    }

    private static List<String> allReadWritePaths() throws IOException {
        return Files.readAllLines(UNIT).stream().filter(l -> l.startsWith("ReadWritePaths="))
                .flatMap(l -> Arrays.stream(l.substring("ReadWritePaths=".length()).trim().split("\\s+"))).toList();
    }
}
