package dev.virtgate.testsupport.containers;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import org.testcontainers.kafka.KafkaContainer;

import java.util.Map;

/**
 * Kafka in a container, for machines with Docker. Tests that use it carry
 * {@code @Testcontainers(disabledWithoutDocker = true)} and are skipped where Docker is absent.
 */
public class KafkaContainerResource implements QuarkusTestResourceLifecycleManager {
    private KafkaContainer kafka;

    @Override
    public Map<String, String> start() {
        kafka = new KafkaContainer("apache/kafka:4.3.1"); // the broker version the local stack and compose run
        kafka.start();
        return Map.of("kafka.bootstrap.servers", kafka.getBootstrapServers());
    }

    @Override
    public void stop() {
        if (kafka != null) {
            kafka.stop();
        }
    }
}
