package dev.virtgate.credential.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.credential.agents.SimulatedFleet;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresServer;
import dev.virtgate.testsupport.TestTokens;

import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.IntStream;

/**
 * Full three-phase rotation across N simulated hosts: real Kafka, OpenBao and PostgreSQL, the
 * packaged service as its own process, agents simulated in this process (one consumer, one
 * producer). Every host has its own key and certificate from the test CA (published into OpenBao
 * as pki-service would, before the service starts) and signs its acknowledgements; the service
 * verifies each. Timed from the rotate request to the service reporting RETIRED with every host
 * acknowledged. Then the per-event trust costs ({@link TrustCosts}). Usage: RotationBench
 * [hosts...] (default 1000 10000).
 */
public final class RotationBench {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newHttpClient();

    record Row(int hosts, double certSeconds, double setupSeconds, double stagedSeconds, double activeSeconds,
            double retiredSeconds, double totalSeconds, long acks, long rotatedEvents, int violations,
            ServiceVerify verify) {
    }

    public static void main(String[] args) throws Exception {
        List<Integer> sizes = new ArrayList<>();
        for (String a : args) {
            sizes.add(Integer.parseInt(a));
        }
        if (sizes.isEmpty()) {
            sizes = List.of(1000, 10000);
        }
        Path serviceJar = Path.of(System.getProperty("bench.service.jar", "target/quarkus-app/quarkus-run.jar"));
        String bootstrap = KafkaServer.shared().bootstrapServers();
        OpenBaoServer bao = OpenBaoServer.shared();
        PostgresServer pg = PostgresServer.shared();
        String database = "virtgate_credential_bench";
        PostgresServer.Login login = pg.ensureDatabase(database); // credential-service's own role
        TestTrust.ensurePublished(); // the CA and the services' signer certificates, as pki-service publishes them
        Path key = Files.createTempFile("virtgate-bench-jwt", ".pem");
        try (InputStream in = RotationBench.class.getResourceAsStream("/virtgate-test-jwt/publicKey.pem")) {
            Files.write(key, in.readAllBytes());
        }
        int port = Net.freePort();
        Path log = Files.createTempFile("credential-service-bench", ".log");
        ProcessBuilder builder = new ProcessBuilder("java", "-Xmx1g",
                "-Dquarkus.http.port=" + port,
                "-Dkafka.bootstrap.servers=" + bootstrap,
                "-Dvirtgate.bus.password=" + KafkaServer.shared().password("credential-service"),
                "-Dquarkus.vault.url=" + bao.address(),
                "-Dquarkus.datasource.jdbc.url=" + pg.jdbcUrl(database),
                "-Dquarkus.flyway.clean-at-start=true", "-Dquarkus.flyway.clean-disabled=false", // an empty schema per run
                "-Dmp.jwt.verify.publickey.location=file:" + key,
                "-Dquarkus.log.category.\"dev.virtgate.credential.messaging\".level=" + System.getProperty("bench.log", "INFO"),
                "-jar", serviceJar.toString());
        builder.environment().put("QUARKUS_DATASOURCE_USERNAME", login.user()); // in the environment, not in ps
        builder.environment().put("QUARKUS_DATASOURCE_PASSWORD", login.password());
        bao.serviceLogin("credential-service").environment().forEach(builder.environment()::put); // its own OpenBao AppRole
        Process service = builder.redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Runtime.getRuntime().addShutdownHook(new Thread(service::destroy));
        String base = "http://127.0.0.1:" + port;
        System.out.printf("service pid %d on %s (log %s)%n", service.pid(), base, log);
        try {
            waitFor(Duration.ofMinutes(3), () -> {
                HttpResponse<String> ready = get(base + "/q/health/ready");
                return ready != null && ready.statusCode() == 200;
            });
            List<Row> rows = new ArrayList<>();
            try (SimulatedFleet fleet = new SimulatedFleet(bootstrap, false)) {
                for (int hosts : sizes) {
                    rows.add(run(fleet, base, hosts));
                }
            }
            print(rows);
            TrustCosts.measure(bao).print();
            System.out.printf("%n/proc/loadavg at the end: %s%n", Files.readString(Path.of("/proc/loadavg")).trim());
        } finally {
            service.destroy();
            service.waitFor();
        }
        System.exit(0);
    }

    static Row run(SimulatedFleet fleet, String base, int hosts) throws Exception {
        String cluster = "bench-" + hosts + "-" + UUID.randomUUID().toString().substring(0, 6);
        long certStart = System.nanoTime();
        // every agent hears credential v1, whenever it comes; each gets its own key and certificate
        IntStream.range(0, hosts).parallel().forEach(i -> fleet.expect(cluster, cluster + "-h" + i));
        double certs = seconds(System.nanoTime() - certStart);
        System.out.printf("%d host keys and certificates issued in %.1f s%n", hosts, certs);
        long setupStart = System.nanoTime();
        for (int i = 0; i < hosts; i++) {
            fleet.register(cluster, cluster + "-h" + i);
        }
        fleet.flush();
        String statusUrl = base + "/v1/clusters/" + cluster + "/credentials";
        long[] lastReport = {System.nanoTime()};
        waitFor(Duration.ofMinutes(10), () -> {
            if (fleet.agents(cluster).stream().anyMatch(a -> a.appliedRank() < 4)) {
                if (System.nanoTime() - lastReport[0] > 5_000_000_000L) {
                    fleet.reportUnconfigured(cluster); // agents whose first report preceded their registration
                    lastReport[0] = System.nanoTime();
                }
                return false; // not every agent has v1 yet: no need to ask the service
            }
            JsonNode s = status(statusUrl);
            return s != null && s.path("version").asInt() == 1 && s.path("acknowledgedHosts").size() == hosts;
        });
        double setup = seconds(System.nanoTime() - setupStart);
        System.out.printf("%d hosts registered and on v1 in %.1f s; rotating%n", hosts, setup);

        long acksBefore = fleet.acksSent.get();
        long eventsBefore = fleet.rotated(cluster).size();
        ServiceVerify verifyBefore = ServiceVerify.read(base);
        long t0 = System.nanoTime();
        HttpResponse<String> rotate = HTTP.send(HttpRequest.newBuilder(URI.create(statusUrl + "/rotate"))
                .header("Authorization", "Bearer " + TestTokens.operator("bench"))
                .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
        if (rotate.statusCode() != 202) {
            throw new IllegalStateException("rotate -> " + rotate.statusCode() + " " + rotate.body());
        }
        waitFor(Duration.ofMinutes(10), () -> {
            Long retired = fleet.firstSeen(cluster, 2, CredentialPhase.RETIRED);
            return retired != null && fleet.agents(cluster).stream().allMatch(a -> a.appliedRank() == 8);
        });
        long done = System.nanoTime();
        long t1 = fleet.firstSeen(cluster, 2, CredentialPhase.STAGED);
        long t2 = fleet.firstSeen(cluster, 2, CredentialPhase.ACTIVE);
        long t3 = fleet.firstSeen(cluster, 2, CredentialPhase.RETIRED);
        waitFor(Duration.ofMinutes(2), () -> status(statusUrl).path("acknowledgedHosts").size() == hosts);
        long acks = fleet.acksSent.get() - acksBefore;
        long events = fleet.rotated(cluster).size() - eventsBefore;
        ServiceVerify verify = ServiceVerify.read(base).minus(verifyBefore);
        return new Row(hosts, certs, setup, seconds(t1 - t0), seconds(t2 - t1), seconds(t3 - t2), seconds(done - t0),
                acks, events, fleet.violations().size() + fleet.unverified().size(), verify);
    }

    static void print(List<Row> rows) {
        System.out.println();
        System.out.println("| hosts | rotate->STAGED seen s | STAGED->ACTIVE s | ACTIVE->RETIRED s | full rotation s"
                + " | acks | CredentialRotated | events/s (acks+rotated) | invariant violations |");
        System.out.println("|---|---|---|---|---|---|---|---|---|");
        for (Row r : rows) {
            System.out.printf("| %d | %.2f | %.2f | %.2f | %.2f | %d | %d | %.0f | %d |%n", r.hosts(), r.stagedSeconds(),
                    r.activeSeconds(), r.retiredSeconds(), r.totalSeconds(), r.acks(), r.rotatedEvents(),
                    (r.acks() + r.rotatedEvents()) / r.totalSeconds(), r.violations());
        }
        System.out.println("(full rotation = rotate request until every simulated host applied RETIRED;"
                + " setup = registration + v1 acknowledged, not timed above; violations include events the agents"
                + " could not verify)");
        rows.forEach(r -> System.out.printf("setup %d hosts: certificates %.1f s, registration + v1 %.1f s%n",
                r.hosts(), r.certSeconds(), r.setupSeconds()));
        System.out.println();
        System.out.println("| hosts | events verified by the service | verify per event, one thread ms"
                + " | verification wall time s (all batches) | wall per event ms (verify threads in parallel) |");
        System.out.println("|---|---|---|---|---|");
        for (Row r : rows) {
            ServiceVerify v = r.verify();
            System.out.printf("| %d | %d | %.3f | %.2f | %.3f |%n", r.hosts(), v.records(), v.perRecordMillis(),
                    v.batchSeconds(), v.records() == 0 ? 0 : 1000 * v.batchSeconds() / v.records());
        }
        System.out.println("(from the service's /q/metrics between the rotate request and every acknowledgement"
                + " counted: this includes the RETIRED acknowledgements, verified after the timed rotation ends)");
    }

    static JsonNode status(String url) {
        try {
            HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(url))
                    .header("Authorization", "Bearer " + TestTokens.viewer("bench")).build(),
                    HttpResponse.BodyHandlers.ofString());
            return r.statusCode() == 200 ? JSON.readTree(r.body()) : JSON.createObjectNode();
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    static HttpResponse<String> get(String url) {
        try {
            return HTTP.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (Exception e) {
            return null;
        }
    }

    static void waitFor(Duration max, java.util.function.BooleanSupplier condition) {
        org.awaitility.Awaitility.await().atMost(max).pollInterval(Duration.ofMillis(200))
                .until(condition::getAsBoolean);
    }

    static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private RotationBench() {
    }
}
