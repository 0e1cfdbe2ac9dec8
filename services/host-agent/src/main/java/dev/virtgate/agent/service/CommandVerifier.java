package dev.virtgate.agent.service;

/** Checks a command signature against the migration-signing key (OpenBao transit/verify in production). */
public interface CommandVerifier {
    boolean verify(byte[] payload, String signature);
}
