package dev.virtgate.pki.messaging;

import dev.virtgate.contracts.trust.EventRefusedException;

/**
 * An agent's report about a host whose registration this service has not read yet: the two travel
 * on different topics. {@link UntilReady} tries again for a short grace, then {@link #refusal()}.
 */
public class RegistrationPendingException extends RuntimeException {
    private final transient EventRefusedException refusal;
    private final String hostId;

    public RegistrationPendingException(String hostId, EventRefusedException refusal) {
        super("host " + hostId + " is not registered (yet)", null, false, false);
        this.hostId = hostId;
        this.refusal = refusal;
    }

    public String hostId() {
        return hostId;
    }

    /** What the event is parked with once the grace is over. */
    public EventRefusedException refusal() {
        return refusal;
    }
}
