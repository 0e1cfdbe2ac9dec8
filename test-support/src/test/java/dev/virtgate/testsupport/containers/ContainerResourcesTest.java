package dev.virtgate.testsupport.containers;

import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;
import org.testcontainers.junit.jupiter.Testcontainers;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Testcontainers variants of the test servers, where a Docker engine exists (skipped cleanly
 * elsewhere, as on the machines the suite normally runs on, which start the same servers as
 * processes): each resource starts its server and hands out configuration that works.
 */
@Testcontainers(disabledWithoutDocker = true)
class ContainerResourcesTest {

    @Test
    void kafkaContainerTakesARecordAndGivesItBack() {
        KafkaContainerResource resource = new KafkaContainerResource();
        try {
            String bootstrap = resource.start().get("kafka.bootstrap.servers");
            try (var producer = new KafkaProducer<>(Map.<String, Object>of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap),
                    new StringSerializer(), new StringSerializer());
                 var consumer = new KafkaConsumer<>(Map.<String, Object>of(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap,
                         ConsumerConfig.GROUP_ID_CONFIG, "containers", ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest"),
                         new StringDeserializer(), new StringDeserializer())) {
                producer.send(new ProducerRecord<>("containers", "k", "v")).get();
                consumer.subscribe(List.of("containers"));
                ConsumerRecords<String, String> records = consumer.poll(Duration.ofSeconds(30));
                assertEquals("v", records.iterator().next().value());
            } catch (Exception e) {
                throw new AssertionError(e);
            }
        } finally {
            resource.stop();
        }
    }

    @Test
    void openBaoContainerIsUnsealedAndHandsOutAServiceLoginOrTheHarnessToken() throws Exception {
        VaultContainerResource resource = new VaultContainerResource();
        try {
            Map<String, String> config = resource.start();
            String url = config.get("quarkus.vault.url");
            HttpResponse<String> health = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(url + "/v1/sys/health")).build(), HttpResponse.BodyHandlers.ofString());
            assertEquals(200, health.statusCode(), health.body());
            assertTrue(config.keySet().stream().anyMatch(k -> k.startsWith("quarkus.vault.authentication.")), config.keySet()::toString);
        } finally {
            resource.stop();
        }
    }
}
