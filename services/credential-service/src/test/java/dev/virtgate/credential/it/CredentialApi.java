package dev.virtgate.credential.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A packaged credential-service instance's REST API, as the cross-process tests use it (as operator alice). */
final class CredentialApi {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private CredentialApi() {
    }

    /** A new cluster of {@code hosts} simulated agents, all acknowledged at version 1 by {@code service}. */
    static String settledCluster(SimulatedFleet fleet, ServiceProcess service, String prefix, int hosts, Duration wait) {
        String clusterId = prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
        for (int i = 0; i < hosts; i++) {
            fleet.register(clusterId, clusterId + "-h" + i);
        }
        fleet.flush();
        await().atMost(wait).pollInterval(Duration.ofMillis(500)).untilAsserted(() -> {
            fleet.reportUnconfigured(clusterId); // an agent that reported before its registration was processed
            JsonNode status = status(service, clusterId);
            assertThat(status.path("version").asInt()).isEqualTo(1);
            assertThat(status.path("acknowledgedHosts")).hasSize(hosts);
        });
        return clusterId;
    }

    /** POST .../credentials/rotate; returns the status code. */
    static int rotate(ServiceProcess service, String clusterId) {
        return send(HttpRequest.newBuilder(URI.create(service.url("/v1/clusters/" + clusterId + "/credentials/rotate")))
                .POST(HttpRequest.BodyPublishers.noBody())).statusCode();
    }

    static JsonNode status(ServiceProcess service, String clusterId) {
        HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(
                service.url("/v1/clusters/" + clusterId + "/credentials"))).GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return HTTP.send(request.header("Authorization", "Bearer " + TestTokens.operator("alice")).build(),
                    HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
