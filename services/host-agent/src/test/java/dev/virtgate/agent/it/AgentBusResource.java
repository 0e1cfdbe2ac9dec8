package dev.virtgate.agent.it;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.testsupport.KafkaServer;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.UUID;

/**
 * The broker for the agent under test, as an installed agent is configured: the enrollment
 * principal's password on the SCRAM listener, the mTLS listener for hosts and the bus CA file
 * that listener's certificate chains to. Which client CA that listener trusts, and which host it
 * grants, is the test's part (it plays pki-service: {@link TestPkiResource}, {@link KafkaServer#grantHost}).
 */
public class AgentBusResource implements QuarkusTestResourceLifecycleManager {

    @Override
    public Map<String, String> start() {
        KafkaServer server = KafkaServer.shared();
        Path caFile = Path.of("target", "bus-ca", UUID.randomUUID() + ".pem").toAbsolutePath();
        try {
            Files.createDirectories(caFile.getParent());
            Files.writeString(caFile, server.busCaPem());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return Map.of("kafka.bootstrap.servers", server.bootstrapServers(),
                "virtgate.bus.password", server.password(BusAccess.HOST_ENROLLMENT),
                "virtgate.agent.bus.tls-bootstrap-servers", server.hostsBootstrapServers(),
                "virtgate.agent.bus.ca-file", caFile.toString());
    }

    @Override
    public void stop() {
        // the broker is shared across the test JVM
    }
}
