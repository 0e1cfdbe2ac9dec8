package dev.virtgate.agent.proxy;

import dev.virtgate.agent.conf.ConfigRejectedException;
import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Settings the proxy cannot honour stop the agent with the setting's name. */
class ProxySettingsTest {

    static ProxyHosts.Settings settings(int port, String loopback, String ports, int maxStreams) {
        return new ProxyHosts.Settings(true, port, Optional.empty(), loopback, ports, maxStreams);
    }

    @Test
    void theDefaultsAreAccepted() {
        assertThat(MigrationProxy.validated(settings(16516, "127.0.0.1", "49300-49363", 4))).isNotNull();
        assertThat(LoopbackPorts.parse("49300-49363")).isEqualTo(new LoopbackPorts(49300, 49363));
    }

    @Test
    void eachBadSettingIsNamed() {
        assertField(settings(443, "127.0.0.1", "49300-49363", 4), "migration-proxy.port");
        assertField(settings(70_000, "127.0.0.1", "49300-49363", 4), "migration-proxy.port");
        assertField(settings(16516, "127.0.0.1", "49300-49363", 0), "migration-proxy.max-streams");
        assertField(settings(16516, "localhost", "49300-49363", 4), "migration-proxy.loopback-address");
        assertField(settings(16516, "127.0.0.1", "49363-49300", 4), "migration-proxy.loopback-ports");
        assertField(settings(16516, "127.0.0.1", "22", 4), "migration-proxy.loopback-ports");
        assertField(settings(16516, "127.0.0.1", "1-1000", 4), "migration-proxy.loopback-ports");
    }

    @Test
    void theRelayTriesEveryPortOnceFromARandomOne() {
        LoopbackPorts ports = new LoopbackPorts(49300, 49363);
        java.util.Set<Integer> starts = new java.util.HashSet<>();
        for (int i = 0; i < 50; i++) {
            int[] order = ports.inRandomOrder();
            assertThat(java.util.Arrays.stream(order).sorted().toArray())
                    .isEqualTo(java.util.stream.IntStream.rangeClosed(49300, 49363).toArray());
            starts.add(order[0]);
        }
        assertThat(starts).as("two migrations into one destination rarely pick the same port").hasSizeGreaterThan(10);
    }

    static void assertField(ProxyHosts.Settings s, String field) {
        assertThatThrownBy(() -> MigrationProxy.validated(s)).isInstanceOfSatisfying(ConfigRejectedException.class,
                e -> assertThat(e.field()).isEqualTo(field));
    }
}
