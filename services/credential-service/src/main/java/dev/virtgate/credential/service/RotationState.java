package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;

import java.util.List;

/**
 * The persisted state of one cluster's credential, as a pure value. {@code version == 0} means no
 * credential exists yet. The first credential is born ACTIVE with no predecessor; every later one
 * walks STAGED -> ACTIVE -> RETIRED.
 */
public record RotationState(String clusterId, String rotationId, int version, int kvVersion, CredentialPhase phase,
        Integer previousVersion, Integer previousKvVersion) {

    public static final String USERNAME_PREFIX = "virtgate-v";

    public static RotationState empty(String clusterId) {
        return new RotationState(clusterId, null, 0, 0, null, null, null);
    }

    public static String username(int version) {
        return USERNAME_PREFIX + version;
    }

    public boolean hasCredential() {
        return version > 0;
    }

    /** No rotation under way: a new one may start. */
    public boolean idle() {
        return !hasCredential() || phase == CredentialPhase.RETIRED
                || (phase == CredentialPhase.ACTIVE && previousVersion == null);
    }

    public Stage stage() {
        return new Stage(version, phase);
    }

    public int rank() {
        return hasCredential() ? stage().rank() : Stage.NONE;
    }

    /** The very first credential of a cluster: in use at once, nothing to retire. */
    public RotationState initial(String newRotationId, int newKvVersion) {
        if (hasCredential()) {
            throw new IllegalStateException("cluster " + clusterId + " already has a credential");
        }
        return new RotationState(clusterId, newRotationId, 1, newKvVersion, CredentialPhase.ACTIVE, null, null);
    }

    /** Starts a rotation: the next version is STAGED, the current one stays accepted and in use. */
    public RotationState begin(String newRotationId, int newKvVersion) {
        if (!hasCredential()) {
            return initial(newRotationId, newKvVersion);
        }
        if (!idle()) {
            throw new RotationInProgressException(clusterId, phase);
        }
        return new RotationState(clusterId, newRotationId, version + 1, newKvVersion, CredentialPhase.STAGED, version,
                kvVersion);
    }

    /** The phase after this one; only for a rotation in progress. */
    public RotationState next() {
        if (idle()) {
            throw new IllegalStateException("no rotation in progress for " + clusterId);
        }
        CredentialPhase following = phase == CredentialPhase.STAGED ? CredentialPhase.ACTIVE : CredentialPhase.RETIRED;
        return new RotationState(clusterId, rotationId, version, kvVersion, following, previousVersion,
                previousKvVersion);
    }

    /** Usernames every host must accept in this phase. */
    public List<String> acceptedUsernames() {
        if (previousVersion != null && phase != CredentialPhase.RETIRED) {
            return List.of(username(previousVersion), username(version));
        }
        return List.of(username(version));
    }

    /** The username a host uses as a client once it applied this phase. */
    public String clientUsername() {
        return phase == CredentialPhase.STAGED && previousVersion != null ? username(previousVersion) : username(version);
    }

    public CredentialRotated toEvent(String kvPath) {
        return new CredentialRotated(clusterId, rotationId, username(version), version, kvPath, kvVersion, phase,
                previousVersion == null ? null : username(previousVersion), previousKvVersion, acceptedUsernames());
    }
}
