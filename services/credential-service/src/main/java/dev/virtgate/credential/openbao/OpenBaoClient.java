package dev.virtgate.credential.openbao;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.credential.config.CredentialConfig;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.config.inject.ConfigProperty;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The few OpenBao (Vault API) calls this service makes, over plain HTTP with the service token
 * configured for quarkus-vault. Kept explicit because response wrapping and KV version numbers
 * matter here. Error messages carry the path and status, never a request or response body.
 */
@ApplicationScoped
public class OpenBaoClient {

    @ConfigProperty(name = "quarkus.vault.url")
    String url;

    @ConfigProperty(name = "quarkus.vault.authentication.client-token")
    Optional<String> token;

    @Inject
    CredentialConfig config;

    @Inject
    ObjectMapper mapper;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    /** Writes a new version of a KV v2 secret and returns its version number. */
    public int writeKv(String mount, String path, Map<String, Object> data) {
        JsonNode response = send("POST", mount + "/data/" + path, Map.of("data", data), Map.of());
        return response.path("data").path("version").asInt();
    }

    public boolean healthy() {
        try {
            HttpResponse<String> response = http.send(request("GET", "sys/health", null, Map.of()).build(),
                    HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    public void writePolicy(String name, String hcl) {
        send("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl), Map.of());
    }

    public void deletePolicy(String name) {
        send("DELETE", "sys/policies/acl/" + name, null, Map.of());
    }

    public void writeAppRole(String role, Map<String, Object> settings) {
        send("POST", "auth/" + config.approle().mount() + "/role/" + role, settings, Map.of());
    }

    public void deleteAppRole(String role) {
        send("DELETE", "auth/" + config.approle().mount() + "/role/" + role, null, Map.of());
    }

    public String roleId(String role) {
        return send("GET", "auth/" + config.approle().mount() + "/role/" + role + "/role-id", null, Map.of())
                .path("data").path("role_id").asText();
    }

    /** The role's id; empty when the role does not exist (any more). */
    public Optional<String> existingRoleId(String role) {
        return sendUnlessMissing("GET", "auth/" + config.approle().mount() + "/role/" + role + "/role-id", null)
                .map(r -> r.path("data").path("role_id").asText()).filter(id -> !id.isEmpty());
    }

    /** The accessors of every secret-id of an existing role; empty when none (a missing role is a 400). */
    public List<String> secretIdAccessors(String role) {
        List<String> accessors = new ArrayList<>();
        sendUnlessMissing("GET", "auth/" + config.approle().mount() + "/role/" + role + "/secret-id?list=true", null)
                .ifPresent(r -> r.path("data").path("keys").forEach(k -> accessors.add(k.asText())));
        return accessors;
    }

    /** Destroys one secret-id: it no longer logs in. */
    public void destroySecretId(String role, String accessor) {
        send("POST", "auth/" + config.approle().mount() + "/role/" + role + "/secret-id-accessor/destroy",
                Map.of("secret_id_accessor", accessor), Map.of());
    }

    /**
     * Disables the identity entity of the role's logins (its alias is the role id): every token
     * already issued through the role is refused from now on, even once a policy of the same name is
     * written again for a new grant. Destroying secret-ids or deleting the role does not end such
     * tokens. Nothing to do when nobody ever logged in with the role.
     */
    public void disableLogins(String roleId) {
        String mountAccessor = send("GET", "sys/auth", null, Map.of()).path("data")
                .path(config.approle().mount() + "/").path("accessor").asText();
        if (mountAccessor.isEmpty()) {
            throw new OpenBaoException("OpenBao has no " + config.approle().mount() + " auth mount", 404);
        }
        String entityId = send("POST", "identity/lookup/entity", Map.of("alias_name", roleId,
                "alias_mount_accessor", mountAccessor), Map.of()).path("data").path("id").asText();
        if (!entityId.isEmpty()) {
            send("POST", "identity/entity/id/" + entityId, Map.of("disabled", true), Map.of());
        }
    }

    /** A new secret-id, response-wrapped: only the single-use wrapping token comes back. */
    public WrappedSecret wrappedSecretId(String role, Duration wrapTtl) {
        JsonNode response = send("POST", "auth/" + config.approle().mount() + "/role/" + role + "/secret-id",
                Map.of(), Map.of("X-Vault-Wrap-TTL", wrapTtl.toSeconds() + "s"));
        JsonNode wrap = response.path("wrap_info");
        if (wrap.path("token").asText().isEmpty()) {
            throw new OpenBaoException("secret-id for " + role + " came back unwrapped", 500);
        }
        return new WrappedSecret(wrap.path("token").asText(), wrap.path("ttl").asLong(wrapTtl.toSeconds()));
    }

    /** A response-wrapping token and its TTL in seconds. */
    public record WrappedSecret(String token, long ttlSeconds) {
        @Override
        public String toString() {
            return "WrappedSecret[token=<redacted>, ttlSeconds=" + ttlSeconds + "]";
        }
    }

    /** The response, or empty for a 404 (what OpenBao answers for a missing role or an empty list). */
    private Optional<JsonNode> sendUnlessMissing(String method, String path, Object body) {
        try {
            return Optional.of(send(method, path, body, Map.of()));
        } catch (OpenBaoException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    private JsonNode send(String method, String path, Object body, Map<String, String> headers) {
        HttpResponse<String> response;
        try {
            response = http.send(request(method, path, body, headers).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new OpenBaoUnavailableException("OpenBao unreachable (" + method + " " + path + ")", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenBaoUnavailableException("interrupted calling OpenBao", e);
        }
        int status = response.statusCode();
        if (status >= 500 || status == 429) {
            throw new OpenBaoUnavailableException("OpenBao " + method + " " + path + " -> " + status, null);
        }
        if (status >= 400) {
            throw new OpenBaoException("OpenBao " + method + " " + path + " -> " + status, status);
        }
        try {
            return response.body() == null || response.body().isBlank() ? mapper.createObjectNode()
                    : mapper.readTree(response.body());
        } catch (IOException e) {
            throw new OpenBaoException("OpenBao " + method + " " + path + " returned malformed JSON", status);
        }
    }

    private HttpRequest.Builder request(String method, String path, Object body, Map<String, String> headers) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url.replaceAll("/+$", "") + "/v1/" + path))
                .timeout(config.openbao().timeout());
        token.ifPresent(t -> request.header("X-Vault-Token", t));
        headers.forEach(request::header);
        try {
            request.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(mapper.writeValueAsBytes(body)));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode OpenBao request for " + path);
        }
        return request;
    }
}
