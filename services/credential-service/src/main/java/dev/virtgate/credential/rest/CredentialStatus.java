package dev.virtgate.credential.rest;

import java.time.Instant;
import java.util.List;

/**
 * What GET /v1/clusters/{id}/credentials shows: where the rotation stands and who holds it up.
 * Members are the hosts a rotation waits for (not decommissioned, access not withdrawn);
 * {@code rotationOwed}: a removed host's access owes another rotation, started once none is under way.
 */
public record CredentialStatus(
        String clusterId,
        String rotationId,
        int version,
        String username,
        String phase,
        boolean rotationInProgress,
        String kvPath,
        int kvVersion,
        String previousUsername,
        List<String> acceptedUsernames,
        Instant rotationStartedAt,
        String rotationRequestedBy,
        Instant phaseEnteredAt,
        int members,
        List<String> acknowledgedHosts,
        List<Laggard> laggards,
        boolean rotationOwed) {

    /** A member that has not acknowledged the current phase; {@code acked*} is what it last confirmed. */
    public record Laggard(String hostId, Integer ackedVersion, String ackedPhase) {
    }
}
