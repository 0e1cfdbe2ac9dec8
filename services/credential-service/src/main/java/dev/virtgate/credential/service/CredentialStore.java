package dev.virtgate.credential.service;

import dev.virtgate.credential.config.CredentialConfig;
import dev.virtgate.credential.openbao.OpenBaoClient;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.util.Map;

/**
 * The cluster's SASL secret in KV v2: one KV version per credential version, holding username,
 * password and version. The password is generated here and handed only to OpenBao.
 */
@ApplicationScoped
public class CredentialStore {

    @Inject
    CredentialConfig config;

    @Inject
    OpenBaoClient openBao;

    /** Path inside the KV mount, as carried by CredentialRotated.kvPath. */
    public String kvPath(String clusterId) {
        return config.kv().pathTemplate().replace("{cluster}", clusterId);
    }

    /** The API path a host policy grants and HostAccessGranted names. */
    public String apiPath(String clusterId) {
        return config.kv().mount() + "/data/" + kvPath(clusterId);
    }

    /**
     * Stores a fresh password for the version and returns the KV version it became. Nothing
     * refers to it until the caller commits state naming it; a write whose commit never happens
     * leaves an unreferenced KV version that no host is ever told about.
     */
    public int storeNewVersion(String clusterId, int version) {
        return openBao.writeKv(config.kv().mount(), kvPath(clusterId), Map.of(
                "username", RotationState.username(version),
                "password", SaslPasswords.generate(),
                "version", version));
    }
}
