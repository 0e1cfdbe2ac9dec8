package dev.virtgate.agent.command;

/** Checks a command signature against the migration-signing key (OpenBao transit/verify in production). */
public interface CommandVerifier {
    boolean verify(byte[] payload, String signature);
}
