package dev.virtgate.credential.rest;

/** Answer to a rotation request: the new version and the phase it is in now. */
public record RotationStarted(String clusterId, String rotationId, int version, String username, String phase) {
}
