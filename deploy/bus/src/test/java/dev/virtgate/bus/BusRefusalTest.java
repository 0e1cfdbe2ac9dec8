package dev.virtgate.bus;

import org.apache.kafka.common.errors.GroupAuthorizationException;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.concurrent.ExecutionException;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BusRefusalTest {

    @Test
    void anAclRefusalNamesThePrincipalAndTheTopic() {
        String line = BusRefusal.explain(new ExecutionException(new TopicAuthorizationException(
                Set.of("virtgate.hosts"))), "host-agent");
        assertTrue(line.contains("'host-agent'") && line.contains("virtgate.hosts"), line);
    }

    @Test
    void aGroupRefusalNamesTheGroup() {
        String line = BusRefusal.explain(GroupAuthorizationException.forGroupId("pki-service"), "host-agent");
        assertTrue(line.contains("'pki-service'"), line);
    }

    @Test
    void aFailedLoginSaysWhatToCheckWithoutAnyPassword() {
        String line = BusRefusal.explain(new SaslAuthenticationException("Authentication failed during authentication "
                + "due to invalid credentials with SASL mechanism SCRAM-SHA-512"), "pki-service");
        assertTrue(line.contains("VIRTGATE_BUS_PASSWORD"), line);
    }

    @Test
    void otherFailuresKeepTheirMessage() {
        assertEquals("broker away", BusRefusal.explain(new IllegalStateException("broker away"), "pki-service"));
    }
}
