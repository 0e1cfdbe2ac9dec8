package dev.virtgate.cli.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.cli.CliException;
import dev.virtgate.cli.config.Endpoints;
import dev.virtgate.cli.config.Service;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;

/** JSON over HTTP to one of the services, with the caller's bearer token; errors become {@link ApiException}. */
public class ApiClient {
    private static final Duration TIMEOUT = Duration.ofSeconds(30);

    private final Endpoints endpoints;
    private final String bearerToken;
    private final HttpClient http;
    private final ObjectMapper json;

    public ApiClient(Endpoints endpoints, String bearerToken, SSLContext tls, ObjectMapper json) {
        this.endpoints = endpoints;
        this.bearerToken = bearerToken;
        this.json = json;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
    }

    public JsonNode get(Service service, String path) {
        return send(service, "GET", path, null, Map.of());
    }

    public JsonNode post(Service service, String path, Object body, Map<String, String> headers) {
        return send(service, "POST", path, body, headers);
    }

    public JsonNode put(Service service, String path, Object body) {
        return send(service, "PUT", path, body, Map.of());
    }

    public JsonNode delete(Service service, String path) {
        return send(service, "DELETE", path, null, Map.of());
    }

    public URI url(Service service) {
        return endpoints.url(service);
    }

    JsonNode send(Service service, String method, String path, Object body, Map<String, String> headers) {
        URI uri = URI.create(endpoints.url(service) + path);
        HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(TIMEOUT)
                .header("Accept", "application/json, application/problem+json");
        if (bearerToken != null) {
            request.header("Authorization", "Bearer " + bearerToken);
        }
        headers.forEach(request::header);
        try {
            if (body != null) {
                request.header("Content-Type", "application/json")
                        .method(method, HttpRequest.BodyPublishers.ofByteArray(json.writeValueAsBytes(body)));
            } else {
                request.method(method, HttpRequest.BodyPublishers.noBody());
            }
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return read(service, response);
        } catch (ConnectException | HttpConnectTimeoutException e) {
            throw new CliException("cannot reach " + service.serviceName() + " at " + endpoints.url(service)
                    + " (is the stack up? ./virtgate status)");
        } catch (HttpTimeoutException e) {
            throw new CliException(service.serviceName() + " did not answer " + method + " " + path + " within "
                    + TIMEOUT.toSeconds() + " s");
        } catch (IOException e) {
            throw new CliException("cannot talk to " + service.serviceName() + " at " + endpoints.url(service) + ": "
                    + (e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CliException("interrupted");
        }
    }

    private JsonNode read(Service service, HttpResponse<String> response) {
        String body = response.body();
        JsonNode parsed = null;
        if (body != null && !body.isBlank()) {
            try {
                parsed = json.readTree(body);
            } catch (IOException e) {
                parsed = null; // not JSON: the raw text goes into the error, if it is one
            }
        }
        if (response.statusCode() >= 400) {
            throw new ApiException(service, response.statusCode(), parsed, body);
        }
        return parsed;
    }
}
