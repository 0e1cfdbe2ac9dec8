package dev.virtgate.credential.openbao;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.credential.config.CredentialConfig;
import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.common.VaultJSONResultExtractor;
import io.quarkus.vault.client.common.VaultRequest;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The few OpenBao (Vault API) calls this service makes, as raw requests through quarkus-vault's
 * client: it logs in as this service (its AppRole {@code virtgate-credential-service}, or a token
 * of that policy), renews the token and logs in again when OpenBao forgot it, exactly as for the
 * service's KV reads and Transit signatures. Kept explicit because response wrapping, secret-id
 * metadata and KV version numbers matter here. Error messages carry the path and status, never a
 * request or response body.
 */
@ApplicationScoped
public class OpenBaoClient {

    /** Secret-id metadata naming the enrollment (CSR) a secret-id was issued for. */
    public static final String GRANT_METADATA = "virtgate_grant";

    /** OpenBao's error when a write lost to a concurrent one in its transactional storage. */
    static final String TRANSACTION_CONFLICT = "transaction commit failed";

    private static final int CONFLICT_ATTEMPTS = 5;

    @Inject
    VaultClient vault;

    @Inject
    CredentialConfig config;

    @Inject
    ObjectMapper mapper;

    /** Writes a new version of a KV v2 secret and returns its version number. */
    public int writeKv(String mount, String path, Map<String, Object> data) {
        JsonNode response = send("POST", mount + "/data/" + path, Map.of("data", data), null);
        return response.path("data").path("version").asInt();
    }

    public void writePolicy(String name, String hcl) {
        sendIdempotent("PUT", "sys/policies/acl/" + name, Map.of("policy", hcl));
    }

    public void deletePolicy(String name) {
        sendIdempotent("DELETE", "sys/policies/acl/" + name, null);
    }

    /** Creates or updates the role; concurrent grants of one host write it at the same time. */
    public void writeAppRole(String role, Map<String, Object> settings) {
        sendIdempotent("POST", rolePath(role), settings);
    }

    public void deleteAppRole(String role) {
        sendIdempotent("DELETE", rolePath(role), null);
    }

    public String roleId(String role) {
        return send("GET", rolePath(role) + "/role-id", null, null)
                .path("data").path("role_id").asText();
    }

    /** The role's id; empty when the role does not exist (any more). */
    public Optional<String> existingRoleId(String role) {
        return sendUnlessMissing("GET", rolePath(role) + "/role-id", null)
                .map(r -> r.path("data").path("role_id").asText()).filter(id -> !id.isEmpty());
    }

    /** The accessors of every secret-id of an existing role; empty when none (a missing role is a 400). */
    public List<String> secretIdAccessors(String role) {
        List<String> accessors = new ArrayList<>();
        sendUnlessMissing("LIST", rolePath(role) + "/secret-id", null)
                .ifPresent(r -> r.path("data").path("keys").forEach(k -> accessors.add(k.asText())));
        return accessors;
    }

    /** The metadata a secret-id was issued with (such as {@link #GRANT_METADATA}); empty when it is gone. */
    public Optional<Map<String, String>> secretIdMetadata(String role, String accessor) {
        return sendUnlessMissing("POST", rolePath(role) + "/secret-id-accessor/lookup",
                Map.of("secret_id_accessor", accessor)).map(r -> {
                    Map<String, String> metadata = new HashMap<>();
                    r.path("data").path("metadata").fields()
                            .forEachRemaining(f -> metadata.put(f.getKey(), f.getValue().asText()));
                    return metadata;
                });
    }

    /** Destroys one secret-id: it no longer logs in. */
    public void destroySecretId(String role, String accessor) {
        sendIdempotent("POST", rolePath(role) + "/secret-id-accessor/destroy",
                Map.of("secret_id_accessor", accessor));
    }

    /**
     * Disables the identity entity of the role's logins (its alias is the role id): every token
     * already issued through the role is refused from now on, even once a policy of the same name is
     * written again for a new grant. Destroying secret-ids or deleting the role does not end such
     * tokens. Nothing to do when nobody ever logged in with the role.
     */
    public void disableLogins(String roleId) {
        String mountAccessor = send("GET", "sys/auth", null, null).path("data")
                .path(config.approle().mount() + "/").path("accessor").asText();
        if (mountAccessor.isEmpty()) {
            throw new OpenBaoException("OpenBao has no " + config.approle().mount() + " auth mount", 404);
        }
        String entityId = send("POST", "identity/lookup/entity",
                Map.of("alias_name", roleId, "alias_mount_accessor", mountAccessor), null)
                .path("data").path("id").asText();
        if (!entityId.isEmpty()) {
            send("POST", "identity/entity/id/" + entityId, Map.of("disabled", true), null);
        }
    }

    /**
     * A new secret-id, response-wrapped: only the single-use wrapping token comes back. Tagged with
     * {@code grant} ({@link #GRANT_METADATA}) so that a later grant can tell it from its own.
     */
    public WrappedSecret wrappedSecretId(String role, Duration wrapTtl, String grant) {
        String metadata;
        try {
            metadata = mapper.writeValueAsString(Map.of(GRANT_METADATA, grant));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot encode secret-id metadata");
        }
        JsonNode response = send("POST", rolePath(role) + "/secret-id",
                Map.of("metadata", metadata), wrapTtl);
        JsonNode wrap = response.path("wrap_info");
        if (wrap.path("token").asText().isEmpty()) {
            throw new OpenBaoException("secret-id for " + role + " came back unwrapped", 500);
        }
        return new WrappedSecret(wrap.path("token").asText(), wrap.path("ttl").asLong(wrapTtl.toSeconds()),
                wrap.path("wrapped_accessor").asText());
    }

    /**
     * A response-wrapping token, its TTL in seconds and the accessor of the secret-id inside it
     * (OpenBao's {@code wrap_info.wrapped_accessor}), by which it can be destroyed unread.
     */
    public record WrappedSecret(String token, long ttlSeconds, String secretIdAccessor) {
        @Override
        public String toString() {
            return "WrappedSecret[token=<redacted>, ttlSeconds=" + ttlSeconds + "]";
        }
    }

    private String rolePath(String role) {
        return "auth/" + config.approle().mount() + "/role/" + role;
    }

    /** The response, or empty for a 404 (what OpenBao answers for a missing role or an empty list). */
    private Optional<JsonNode> sendUnlessMissing(String method, String path, Object body) {
        try {
            return Optional.of(send(method, path, body, null));
        } catch (OpenBaoException e) {
            if (e.status() == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * A write whose repetition changes nothing, sent again when it lost a race inside OpenBao's
     * transactional storage (at most {@value #CONFLICT_ATTEMPTS} times: the winner has committed).
     */
    private void sendIdempotent(String method, String path, Object body) {
        for (int attempt = 1; ; attempt++) {
            try {
                send(method, path, body, null);
                return;
            } catch (OpenBaoConflictException e) {
                if (attempt == CONFLICT_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private JsonNode send(String method, String path, Object body, Duration wrapTtl) {
        VaultRequest.Builder<Object> request = VaultRequest.request("OpenBao " + method + " " + path,
                VaultRequest.Method.valueOf(method)).path(path).timeout(config.openbao().timeout())
                .expectOkOrNoContentStatus();
        if (body != null) {
            request.body(body);
        }
        if (wrapTtl != null) {
            request.wrapTTL(wrapTtl);
        }
        try {
            JsonNode result = vault.execute(request.build(VaultJSONResultExtractor.of(JsonNode.class)))
                    .toCompletableFuture().get(config.openbao().timeout().toMillis() * 2, TimeUnit.MILLISECONDS)
                    .getResult();
            return result == null ? mapper.createObjectNode() : result;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            while (cause instanceof CompletionException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            if (cause instanceof VaultClientException vce && vce.getStatus() != null) {
                int status = vce.getStatus();
                if (status == 500 && vce.hasErrorContaining(TRANSACTION_CONFLICT)) {
                    throw new OpenBaoConflictException("OpenBao " + method + " " + path + " -> 500 (concurrent write)");
                }
                if (status >= 500 || status == 429) {
                    throw new OpenBaoUnavailableException("OpenBao " + method + " " + path + " -> " + status, null);
                }
                throw new OpenBaoException("OpenBao " + method + " " + path + " -> " + status, status);
            }
            throw new OpenBaoUnavailableException("OpenBao unreachable (" + method + " " + path + ": "
                    + (cause == null ? "?" : cause.getClass().getSimpleName()) + ")", null);
        } catch (TimeoutException e) {
            throw new OpenBaoUnavailableException("OpenBao did not answer " + method + " " + path + " in time", null);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new OpenBaoUnavailableException("interrupted calling OpenBao", e);
        }
    }
}
