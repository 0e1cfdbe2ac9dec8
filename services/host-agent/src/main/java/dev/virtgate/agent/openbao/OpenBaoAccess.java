package dev.virtgate.agent.openbao;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.agent.command.CommandVerifier;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.pki.Ecies;
import dev.virtgate.agent.service.AccessGrants;
import dev.virtgate.agent.service.CredentialSource;
import dev.virtgate.contracts.events.HostAccessGranted;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's own OpenBao identity: the wrapping token from HostAccessGranted (decrypted with the
 * host key) is unwrapped once into a secret-id, kept 0600 like the private key, and used for
 * AppRole logins. With that token the agent reads its cluster's SASL credential and verifies
 * migration command signatures (transit/verify).
 */
@ApplicationScoped
public class OpenBaoAccess implements CredentialSource, CommandVerifier, AccessGrants {
    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private volatile String token;
    private OpenBaoClient client;
    private AgentPaths paths;

    @Inject
    AgentConfig config;

    OpenBaoAccess() {
    }

    public OpenBaoAccess(AgentConfig config) {
        this.config = config;
    }

    private synchronized OpenBaoClient client() {
        if (client == null) {
            client = new OpenBaoClient(config.openbao().url());
            paths = new AgentPaths(config.paths());
        }
        return client;
    }

    @Override
    public void onAccessGranted(HostAccessGranted e, PrivateKey hostKey) {
        synchronized (this) {
            if (e.wrapExpiresAt().isBefore(Instant.now())) {
                throw new IllegalStateException("wrapping token expired before it arrived; ask for new access");
            }
            String wrappingToken = Ecies.decrypt(hostKey, e.encryptedWrappingToken());
            String secretId = client().unwrapSecretId(wrappingToken);
            SecureFiles.writeAtomically(secretIdFile(), secretId.getBytes(StandardCharsets.UTF_8), "rw-------", null);
            SecureFiles.writeAtomically(roleIdFile(), e.roleId().getBytes(StandardCharsets.UTF_8), "rw-------", null);
            token = client().login(e.roleId(), secretId);
        }
        // Outside the monitor: a password() lookup holds a map bin while it waits for token().
        passwords.clear();
    }

    public boolean hasAccess() {
        client();
        return token != null || (SecureFiles.read(secretIdFile()).isPresent() && SecureFiles.read(roleIdFile()).isPresent());
    }

    private synchronized String token() {
        if (token == null) {
            client();
            String roleId = SecureFiles.read(roleIdFile()).map(b -> new String(b, StandardCharsets.UTF_8))
                    .orElseThrow(() -> new IllegalStateException("no OpenBao access granted yet"));
            String secretId = SecureFiles.read(secretIdFile()).map(b -> new String(b, StandardCharsets.UTF_8))
                    .orElseThrow(() -> new IllegalStateException("no OpenBao access granted yet"));
            token = client().login(roleId, secretId);
        }
        return token;
    }

    private <T> T withToken(java.util.function.Function<String, T> call) {
        try {
            return call.apply(token());
        } catch (OpenBaoClient.OpenBaoException e) {
            if (e.status() == 403) { // token expired: log in again once
                token = null;
                return call.apply(token());
            }
            throw e;
        }
    }

    @Override
    public String password(String kvPath, int kvVersion) {
        String path = kvPath.replaceFirst("^" + config.openbao().kvMount() + "/data/", "");
        String key = path + "#" + kvVersion;
        String cached = passwords.get(key);
        if (cached != null) {
            return cached;
        }
        // Read outside the map: computeIfAbsent would hold a bin lock while token() waits for the
        // monitor, and onAccessGranted holds the monitor while clearing the map (deadlock).
        String password = withToken(t -> {
            JsonNode data = client().kvRead(config.openbao().kvMount(), path, kvVersion, t);
            if (!data.hasNonNull("password")) {
                throw new IllegalStateException("credential version " + kvVersion + " has no password");
            }
            return data.get("password").asText();
        });
        passwords.put(key, password);
        return password;
    }

    @Override
    public boolean verify(byte[] payload, String signature) {
        return withToken(t -> client().verify(config.openbao().transitMount(), config.openbao().migrationSigningKey(),
                payload, signature, t));
    }

    private Path secretIdFile() {
        client();
        return paths.stateDir.resolve("openbao-secret-id");
    }

    private Path roleIdFile() {
        client();
        return paths.stateDir.resolve("openbao-role-id");
    }
}
