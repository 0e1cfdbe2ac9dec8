package dev.virtgate.testsupport;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;

import java.util.HashMap;
import java.util.Map;

/**
 * Kafka for a {@code @QuarkusTest}: a real broker process (shared by every test in the JVM), secured
 * as in production. The service under test ({@link Workspace#testService()}) logs in as its own
 * principal with exactly its ACLs; test code that plays the operator or an attacker with broker
 * access uses {@link KafkaServer#harnessConfig()} (through {@link EventBus#clientProps(String)}).
 */
public class KafkaResource implements QuarkusTestResourceLifecycleManager {

    public static String bootstrapServers() {
        return KafkaServer.shared().bootstrapServers();
    }

    @Override
    public Map<String, String> start() {
        KafkaServer server = KafkaServer.shared();
        Map<String, String> config = new HashMap<>();
        config.put("kafka.bootstrap.servers", server.bootstrapServers());
        Workspace.testService().ifPresent(service -> config.put("virtgate.bus.password", server.startingPassword(service)));
        return config;
    }

    @Override
    public void stop() {
        // Shared across the test JVM; ManagedProcess stops it by PID at exit.
    }
}
