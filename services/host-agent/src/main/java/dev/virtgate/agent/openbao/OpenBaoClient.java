package dev.virtgate.agent.openbao;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.Map;

/** The few OpenBao (Vault API) calls the agent makes, over plain HTTP JSON. Tokens never reach logs. */
public class OpenBaoClient {
    private static final ObjectMapper JSON = new ObjectMapper();
    private final String address;
    // Built on first use: an HttpClient loads the JDK's default TLS context (cacerts) at creation,
    // start-up time an agent that is not enrolled yet has no use for.
    private HttpClient http;

    public static class OpenBaoException extends RuntimeException {
        private final int status;

        public OpenBaoException(String message, int status) {
            super(message);
            this.status = status;
        }

        public int status() {
            return status;
        }
    }

    public OpenBaoClient(String address) {
        this.address = address.endsWith("/") ? address.substring(0, address.length() - 1) : address;
    }

    /** sys/wrapping/unwrap with the wrapping token itself: returns the wrapped secret-id. */
    public String unwrapSecretId(String wrappingToken) {
        JsonNode r = call("POST", "sys/wrapping/unwrap", Map.of(), wrappingToken);
        JsonNode id = r.path("data").path("secret_id");
        if (id.isMissingNode()) {
            throw new OpenBaoException("unwrapped response has no secret_id", 200);
        }
        return id.asText();
    }

    /** A client token and its lease in seconds (0: it does not expire). */
    public record Login(String token, long leaseSeconds) {
        @Override
        public String toString() {
            return "Login[token=<redacted>, leaseSeconds=" + leaseSeconds + "]";
        }
    }

    /** AppRole login (one of the secret-id's uses): the client token and its lease. */
    public Login login(String roleId, String secretId) {
        JsonNode r = call("POST", "auth/approle/login", Map.of("role_id", roleId, "secret_id", secretId), null);
        return new Login(r.path("auth").path("client_token").asText(), r.path("auth").path("lease_duration").asLong());
    }

    /** auth/token/renew-self: the token's new lease in seconds; 403 once it lapsed or was revoked. */
    public long renewSelf(String token) {
        return call("POST", "auth/token/renew-self", Map.of(), token).path("auth").path("lease_duration").asLong();
    }

    /** Whether OpenBao still knows the token (auth/token/lookup-self answers 200 rather than 403). */
    public boolean tokenValid(String token) {
        try {
            call("GET", "auth/token/lookup-self", null, token);
            return true;
        } catch (OpenBaoException e) {
            if (e.status() == 403) {
                return false;
            }
            throw e;
        }
    }

    /** auth/token/revoke-self: the token is refused from now on. */
    public void revokeSelf(String token) {
        call("POST", "auth/token/revoke-self", Map.of(), token);
    }

    /** KV v2 read of one version: the data map. */
    public JsonNode kvRead(String mount, String path, int version, String token) {
        JsonNode r = call("GET", mount + "/data/" + path + "?version=" + version, null, token);
        return r.path("data").path("data");
    }

    /** transit/verify: whether {@code signature} is a valid signature of {@code input} by the named key. */
    public boolean verify(String transitMount, String key, byte[] input, String signature, String token) {
        JsonNode r = call("POST", transitMount + "/verify/" + key,
                Map.of("input", Base64.getEncoder().encodeToString(input), "signature", signature), token);
        return r.path("data").path("valid").asBoolean(false);
    }

    JsonNode call(String method, String path, Object body, String token) {
        try {
            HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                    .timeout(Duration.ofSeconds(10)).header("Content-Type", "application/json");
            if (token != null) {
                b.header("X-Vault-Token", token);
            }
            b.method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
            HttpResponse<byte[]> resp = http().send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
            if (resp.statusCode() / 100 != 2) {
                // the body may echo request data; only the status is reported
                throw new OpenBaoException("OpenBao " + method + " " + path.replaceAll("\\?.*", "") + " answered "
                        + resp.statusCode(), resp.statusCode());
            }
            return resp.body().length == 0 ? JSON.createObjectNode() : JSON.readTree(resp.body());
        } catch (IOException e) {
            throw new OpenBaoException("OpenBao unreachable: " + e.getClass().getSimpleName(), 0);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenBaoException("interrupted", 0);
        }
    }

    private synchronized HttpClient http() {
        if (http == null) {
            http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
        }
        return http;
    }
}
