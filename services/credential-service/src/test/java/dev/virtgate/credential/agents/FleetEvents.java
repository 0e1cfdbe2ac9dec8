package dev.virtgate.credential.agents;

import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.credential.Secrets;
import dev.virtgate.credential.AgentKey;
import dev.virtgate.credential.service.Stage;
import dev.virtgate.testsupport.trust.TestProducer;

import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

/**
 * The events of a host's life as their genuine producers make them: migration-service's
 * registration (the token's public key, never the token), the agent's enrollment (CSR, the token's
 * proof over it, signed by the CSR key) and its acknowledgements. Attack tests alter or re-sign them.
 */
public final class FleetEvents {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** A one-time enrollment token, as migration-service hands the operator. */
    public static String newToken() {
        byte[] bytes = new byte[32];
        RANDOM.nextBytes(bytes);
        return Secrets.remember(Base64.getUrlEncoder().withoutPadding().encodeToString(bytes));
    }

    /** The HostRegistered migration-service publishes: the token's public key, never the token. */
    public static HostRegistered registration(String clusterId, String hostId, String token) {
        String fqdn = fqdn(hostId);
        return new HostRegistered(hostId, clusterId, fqdn, List.of(fqdn), List.of("127.0.0.1"), List.of(),
                EnrollmentKey.fromToken(hostId, token).publicKey(), Instant.now().plus(Duration.ofHours(1)));
    }

    public static String fqdn(String hostId) {
        return hostId + ".lab.virtgate.test";
    }

    /** What the agent sends to enroll: its CSR, the token's proof over it, signed by the CSR key. */
    public static TestProducer.Signed enrollment(String clusterId, String hostId, String token, AgentKey csr) {
        String proof = EnrollmentKey.fromToken(hostId, token).prove(hostId, clusterId, fqdn(hostId), csr.pem);
        HostEnrolled enrolled = new HostEnrolled(hostId, clusterId, fqdn(hostId), csr.pem, proof, capabilities());
        return TestProducer.withKey("/virtgate/host-agent/" + hostId, csr.keys, null).sign(enrolled);
    }

    public static HostCapabilities capabilities() {
        return new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("digest-md5"), List.of("tcp:16509"),
                UUID.randomUUID().toString(), "test");
    }

    public static HostConfigured acknowledgement(String hostId, String clusterId, String rotationId, Stage stage) {
        return new HostConfigured(hostId, clusterId, null, null, stage == null ? null : rotationId,
                stage == null ? null : stage.version(), stage == null ? null : stage.phase(), true, true, true,
                List.of(new PostureCheck("sasl-credential", CheckStatus.PASS, null)), null, Instant.now());
    }

    private FleetEvents() {
    }
}
