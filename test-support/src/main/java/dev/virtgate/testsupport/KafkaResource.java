package dev.virtgate.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.Map;

/**
 * Kafka for a {@code @QuarkusTest}: reuses the broker named by {@code VIRTGATE_TEST_KAFKA_BOOTSTRAP},
 * otherwise starts a real broker process (shared by every test in the JVM).
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    public static String bootstrapServers() {
        return Workspace.env("VIRTGATE_TEST_KAFKA_BOOTSTRAP").orElseGet(() -> KafkaServer.shared().bootstrapServers());
    }

    @Override
    public Map<String, String> start() {
        return Map.of("kafka.bootstrap.servers", bootstrapServers());
    }

    @Override
    public void stop() {
        // Shared across the test JVM; ManagedProcess stops it by PID at exit.
    }
}
