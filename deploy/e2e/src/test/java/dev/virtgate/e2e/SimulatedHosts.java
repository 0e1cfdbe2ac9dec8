package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.testsupport.EventBus;
import org.awaitility.Awaitility;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
    SimulatedAgent register(String hostId, String address) throws Exception {
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
        bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(30));
        return SimulatedAgent.enroll(hostId, cluster, fqdn, address, bundle.get("enrollmentToken").asText());
    }

    /** pki-service certifies the key; the agent reports a passing posture with it; the host becomes TLS-ready. */
    SimulatedAgent certified(SimulatedAgent agent) throws Exception {
        SimulatedAgent certified = agent.certified(bus, Duration.ofSeconds(60));
        certified.reportPosture(CheckStatus.PASS);
        Awaitility.await(agent.hostId() + " TLS-ready").atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(300))
                .until(() -> cli("hosts", "show", agent.hostId(), "-o", "json").json().path("tlsReady").asBoolean());
        return certified;
    }

    /** The id of the migration of {@code vm} once migration-service accepted it. */
    String awaitMigration(SimulatedAgent source, String vm) {
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
