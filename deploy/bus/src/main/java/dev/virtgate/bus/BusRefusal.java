package dev.virtgate.bus;

import org.apache.kafka.common.errors.AuthenticationException;
import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;

/**
 * Turns the broker's refusals into one log line an operator can act on: which principal, which
 * topic or group, and what to check. Anything else keeps its own message.
 */
public final class BusRefusal {

    private BusRefusal() {
    }

    public static String explain(Throwable failure, String principal) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof TopicAuthorizationException topics) {
                return "bus principal '" + principal + "' is not allowed to use topic(s) "
                        + topics.unauthorizedTopics() + " (broker ACLs come from contracts' BusAccess)";
            }
            if (t instanceof GroupAuthorizationException group) {
                return "bus principal '" + principal + "' is not allowed to use consumer group '"
                        + group.groupId() + "' (broker ACLs come from contracts' BusAccess)";
            }
            if (t instanceof AuthenticationException) {
                return "bus principal '" + principal + "' could not log in to the broker (check VIRTGATE_BUS_PASSWORD): "
                        + t.getMessage();
            }
        }
        return failure == null ? "no answer" : String.valueOf(failure.getMessage());
    }
}
