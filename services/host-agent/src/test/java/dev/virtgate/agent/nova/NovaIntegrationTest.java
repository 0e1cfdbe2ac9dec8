package dev.virtgate.agent.nova;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Nova's drop-in follows the cluster's native-TLS readiness, on the agent's files under a private root. */
class NovaIntegrationTest {
    @TempDir
    Path root;

    private NovaIntegration nova(Map<String, String> extra) {
        Map<String, String> values = new HashMap<>(Map.of("host-id", "h1", "cluster-id", "lab",
                "fqdn", "h1.lab.virtgate.test", "management-address", "198.18.42.11",
                "migration-address", "198.18.43.11", "paths.root", root.toString(), "integration", "nova",
                "nova.group", "root"));
        values.putAll(extra);
        AgentConfig config = TestAgents.config(values);
        return new NovaIntegration(config, new AgentPaths(config.paths()));
    }

    private Path dropIn() {
        return root.resolve("etc/nova/nova.conf.d/virtgate.conf");
    }

    private Path marker() {
        return root.resolve("var/lib/virtgate-agent/nova-restart-required");
    }

    private static ClusterTlsReadinessChanged readiness(String cluster, boolean everywhere, long revision) {
        return new ClusterTlsReadinessChanged(cluster, everywhere, 2, everywhere ? 2 : 1, revision, Instant.now());
    }

    @Test
    void offByDefault() {
        assertThat(nova(Map.of("integration", "none")).apply(readiness("lab", true, 1)))
                .isEqualTo(NovaIntegration.Outcome.DISABLED);
        assertThat(dropIn()).doesNotExist();
    }

    @Test
    void tunnelledOverTlsUntilTheWholeClusterCanDoNativeTls() throws IOException {
        NovaIntegration nova = nova(Map.of());
        assertThat(nova.apply(null)).isEqualTo(NovaIntegration.Outcome.WRITTEN);
        String before = Files.readString(dropIn());
        assertThat(before).startsWith(NovaDropIn.MARKER + "\n").contains("[libvirt]\n",
                "live_migration_scheme = tls\n", "live_migration_with_native_tls = false\n",
                "live_migration_tunnelled = true\n", "live_migration_inbound_addr = 198.18.43.11\n");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dropIn()))).isEqualTo("rw-r-----");
        assertThat(marker()).exists();

        Files.delete(marker());
        assertThat(nova.apply(readiness("lab", false, 1))).isEqualTo(NovaIntegration.Outcome.WRITTEN); // counts changed
        Files.delete(marker());
        assertThat(nova.apply(readiness("lab", false, 1))).isEqualTo(NovaIntegration.Outcome.UNCHANGED);
        assertThat(marker()).doesNotExist(); // nothing changed: no restart asked for

        assertThat(nova.apply(readiness("lab", true, 2))).isEqualTo(NovaIntegration.Outcome.WRITTEN);
        assertThat(Files.readString(dropIn())).contains("live_migration_with_native_tls = true\n",
                "live_migration_tunnelled = false\n");
        assertThat(Files.readString(marker())).contains("live_migration_with_native_tls = true");
    }

    @Test
    void neverOverwritesAFileTheAgentDidNotWrite() throws IOException {
        Files.createDirectories(dropIn().getParent());
        Files.writeString(dropIn(), "[libvirt]\nlive_migration_scheme = ssh\n");
        assertThat(nova(Map.of()).apply(readiness("lab", true, 1))).isEqualTo(NovaIntegration.Outcome.REFUSED);
        assertThat(Files.readString(dropIn())).isEqualTo("[libvirt]\nlive_migration_scheme = ssh\n");
        assertThat(marker()).doesNotExist();
    }

    @Test
    void keepsTheNewestAnswerForItsOwnClusterOnly() {
        NovaIntegration nova = nova(Map.of());
        AgentState state = AgentState.load(root.resolve("state.json"));
        assertThat(nova.follow(state, readiness("lab", true, 3))).contains(NovaIntegration.Outcome.WRITTEN);
        assertThat(nova.follow(state, readiness("lab", false, 2))).isEmpty(); // older, arrived late
        assertThat(nova.follow(state, readiness("other", false, 9))).isEmpty();
        assertThat(state.tlsReadiness.revision()).isEqualTo(3);
        assertThat(AgentState.load(root.resolve("state.json")).tlsReadiness.nativeTlsEverywhere()).isTrue();
        assertThat(nova.follow(state, readiness("lab", false, 4))).isEqualTo(Optional.of(NovaIntegration.Outcome.WRITTEN));
    }

    @Test
    void anUnsafeValueWritesNothing() {
        assertThat(nova(Map.of("migration-address", "198.18.43.11\nlive_migration_scheme = tcp")).apply(null))
                .isEqualTo(NovaIntegration.Outcome.FAILED);
        assertThat(dropIn()).doesNotExist();
    }
}
