package dev.virtgate.pki.trust;

import io.quarkus.vault.VaultKVSecretEngine;
import io.quarkus.vault.client.VaultClientException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * The published trust in OpenBao KV v2 (mount {@code secret}, paths of
 * {@link dev.virtgate.contracts.trust.TrustStorePaths}). Writes only what differs from what is
 * there, so a periodic check costs one read and adds no secret versions.
 */
@ApplicationScoped
public class TrustStore {

    @Inject
    VaultKVSecretEngine kv;

    /** Writes {@code data} at {@code path} unless it is already there; true when it wrote. */
    public boolean publish(String path, Map<String, String> data) {
        if (data.equals(read(path))) {
            return false;
        }
        kv.writeSecret(path, data);
        return true;
    }

    public Map<String, String> read(String path) {
        try {
            Map<String, String> data = kv.readSecret(path);
            return data == null ? Map.of() : data;
        } catch (VaultClientException e) {
            if (Integer.valueOf(404).equals(e.getStatus())) {
                return Map.of();
            }
            throw e;
        }
    }
}
