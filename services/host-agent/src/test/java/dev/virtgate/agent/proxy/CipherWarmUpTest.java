package dev.virtgate.agent.proxy;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The proxy warms its cipher up in the background once it listens (the speed it buys is shown by deploy/lab/bench-modes.sh). */
class CipherWarmUpTest {

    @Test
    void aListeningProxyWarmsItsCipherUp() {
        try (ProxyHosts hosts = new ProxyHosts();
                MigrationProxyServer server = new MigrationProxyServer(hosts.destSettings(),
                        () -> Optional.of(hosts.dest))) {
            server.start();
            assertThat(server.port()).isNotNull();
            await().atMost(Duration.ofSeconds(60)).until(CipherWarmUp::done);
        }
    }

    @Test
    void theWarmUpSealsAndOpensRecordsIntact() throws Exception {
        CipherWarmUp.run(1);
    }
}
