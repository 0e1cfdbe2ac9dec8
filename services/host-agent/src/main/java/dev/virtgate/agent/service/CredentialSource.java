package dev.virtgate.agent.service;

/** Where the SASL passwords come from (OpenBao KV in production). */
public interface CredentialSource {
    /** The password stored at the cluster's KV path, version {@code kvVersion}. */
    String password(String kvPath, int kvVersion);
}
