package dev.virtgate.credential.openbao;

import dev.virtgate.credential.config.CredentialConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** Not ready while OpenBao is unreachable or sealed: no credential can be written or granted. */
@Readiness
@ApplicationScoped
public class OpenBaoReadiness implements HealthCheck {

    @ConfigProperty(name = "quarkus.vault.url")
    String url;

    @Inject
    CredentialConfig config;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("OpenBao credential store").status(healthy()).build();
    }

    /** sys/health, which needs no token: reachable, initialised, unsealed and active. */
    public boolean healthy() {
        try {
            HttpResponse<Void> response = http.send(HttpRequest.newBuilder(
                    URI.create(url.replaceAll("/+$", "") + "/v1/sys/health")).timeout(config.openbao().timeout())
                    .GET().build(), HttpResponse.BodyHandlers.discarding());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
