package dev.virtgate.contracts.events;

import dev.virtgate.contracts.Event;

import java.util.List;

/**
 * A phase of a staged SASL rotation. Names the KV path and version where the secret lives;
 * never the secret itself. {@code acceptedUsernames} is what every host must accept in this phase.
 */
public record CredentialRotated(
        String clusterId,
        String rotationId,
        String username,
        int version,
        String kvPath,
        int kvVersion,
        CredentialPhase phase,
        String previousUsername,
        Integer previousKvVersion,
        List<String> acceptedUsernames) implements Event {

    @Override
    public String subject() {
        return clusterId;
    }
}
