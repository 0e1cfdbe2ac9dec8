package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.trust.TestProducer;
import org.awaitility.Awaitility;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.UUID;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hosts registered through the CLI whose agents are played on the real bus: HostEnrolled with the
 * proof the CLI's enrollment token makes, then, once pki-service certified the key, a passing
 * posture report and migration results signed with that key and certificate.
 */
final class SimulatedHosts {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One host's agent: its key and, once pki-service issued it, its certificate. */
    record Agent(String hostId, String fqdn, KeyPair key, X509Certificate cert) {
        TestProducer signer() {
            return TestProducer.withKey("virtgate/host-agent/" + hostId, key, List.of(cert));
        }

        void publish(dev.virtgate.contracts.Event event) {
            signer().publish(KafkaResource.bootstrapServers(), event);
        }
    }

    private final String cluster;
    private final EventBus.Recorder bus;
    private final Function<String[], CliRun> cli;
    private final Path bundles;

    SimulatedHosts(String cluster, EventBus.Recorder bus, Function<String[], CliRun> cli, Path bundles) {
        this.cluster = cluster;
        this.bundles = bundles;
        this.bus = bus;
        this.cli = cli;
    }

    /**
     * {@code hosts register} (503 until pki-service published its CA), then the agent enrolls with the
     * token from the bundle file the CLI wrote.
     */
    Agent register(String hostId, String address) throws Exception {
        String fqdn = hostId + ".lab.virtgate.test";
        Path file = bundles.resolve(hostId + ".enrollment.json");
        CliRun registered = Awaitility.await("hosts register once the CA is published").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> cli("hosts", "register", "--id", hostId, "--cluster", cluster, "--fqdn", fqdn,
                        "--management-address", address, "--bundle-file", file.toString(), "-o", "json"),
                        r -> !r.err().contains("(503)"));
        assertEquals(0, registered.code(), registered.toString());
        assertEquals("<in " + file + ">", registered.json().get("enrollmentToken").asText(), registered.toString());
        JsonNode bundle = JSON.readTree(Files.readString(file));
        assertTrue(bundle.get("caCertSha256").asText().matches("^sha256:[0-9a-f]{64}$"), bundle.toString());
        KeyPair key = Csr.newKey();
        String csr = Csr.pem(key, fqdn, List.of(fqdn), List.of(address));
        String proof = EnrollmentKey.fromToken(hostId, bundle.get("enrollmentToken").asText())
                .prove(hostId, cluster, fqdn, csr);
        bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(30));
        TestProducer.withKey("virtgate/host-agent/" + hostId, key, null).publish(KafkaResource.bootstrapServers(),
                new HostEnrolled(hostId, cluster, fqdn, csr, proof, new HostCapabilities("9.0.0", "7.2.0", true, true,
                        List.of("scram-sha-256"), List.of("tls:16514"), UUID.randomUUID().toString(), "e2e")));
        return new Agent(hostId, fqdn, key, null);
    }

    /** pki-service certifies the key; the agent reports a passing posture with it; the host becomes TLS-ready. */
    Agent certified(Agent agent) throws Exception {
        EventBus.Seen issued = bus.await("virtgate.pki.cert-issued.v1", s -> agent.hostId().equals(s.key()),
                Duration.ofSeconds(60));
        JsonNode cert = JSON.readTree(issued.payload());
        X509Certificate x509 = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(
                new ByteArrayInputStream(cert.get("certificatePem").asText().getBytes(StandardCharsets.US_ASCII)));
        Agent certified = new Agent(agent.hostId(), agent.fqdn(), agent.key(), x509);
        certified.publish(new HostConfigured(agent.hostId(), cluster, cert.get("serial").asText(),
                x509.getNotAfter().toInstant(), "rot-1", 1, CredentialPhase.ACTIVE, true, true, true,
                List.of(new PostureCheck("unauthenticated-tcp-refused", CheckStatus.PASS, null)), null, Instant.now()));
        Awaitility.await(agent.hostId() + " TLS-ready").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> cli("hosts", "show", agent.hostId(), "-o", "json").json().path("tlsReady").asBoolean());
        return certified;
    }

    /** The id of the migration of {@code vm} once migration-service accepted it. */
    String awaitMigration(Agent source, String vm) {
        return Awaitility.await("migration of " + vm + " accepted").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    for (JsonNode m : cli("migrations", "list", "--host", source.hostId(), "-o", "json").json()) {
                        if (vm.equals(m.get("vmName").asText())) {
                            return m.get("id").asText();
                        }
                    }
                    return null;
                }, id -> id != null);
    }

    private CliRun cli(String... args) {
        return cli.apply(args);
    }
}
