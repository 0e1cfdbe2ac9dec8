package dev.virtgate.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.ServiceProcess;
import dev.virtgate.testsupport.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Two instances each of migration-service and pki-service, packaged, on one broker, one PostgreSQL
 * and one OpenBao: registrations are split across both migration-service instances, and one
 * pki-service instance is killed with SIGKILL while enrollments are in flight. Every host is
 * registered once and certified once: nothing lost (the survivor takes over the partitions, the
 * outbox rows of the dead instance are swept) and nothing duplicated (idempotent consumers).
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TwoInstancesIT {
    private static final int HOSTS = 10;
    private static final List<ServiceProcess> STARTED = new ArrayList<>();
    private static ServiceProcess migrationA;
    private static ServiceProcess migrationB;
    private static ServiceProcess pkiA;
    private static ServiceProcess pkiB;
    private static EventBus.Recorder bus;

    @BeforeAll
    static void startTwoOfEach() {
        bus = new EventBus.Recorder(KafkaResource.bootstrapServers(),
                List.of(Topics.HOSTS, Topics.PKI, Topics.MIGRATION_COMMANDS));
        migrationA = start("migration-service", "virtgate_migration");
        migrationB = start("migration-service", "virtgate_migration");
        pkiA = start("pki-service", "virtgate_pki");
        pkiB = start("pki-service", "virtgate_pki");
    }

    private static ServiceProcess start(String service, String database) {
        Map<String, String> env = ServiceProcess.standardEnv(database);
        // a dead member's partitions move within seconds, its outbox rows are swept after 5 s
        env.put("KAFKA_SESSION_TIMEOUT_MS", "8000");
        env.put("KAFKA_HEARTBEAT_INTERVAL_MS", "1000");
        env.put("VIRTGATE_OUTBOX_SWEEP_AFTER", "PT5S");
        ServiceProcess process = ServiceProcess.start(service, env);
        STARTED.add(process);
        return process;
    }

    @AfterAll
    static void stopAll() {
        STARTED.forEach(ServiceProcess::stop);
        if (bus != null) {
            bus.close();
        }
    }

    @Test
    @Order(1)
    void hostsRegisteredThroughBothInstancesAreCertifiedOnceEachWhileOnePkiInstanceIsKilled() throws Exception {
        String cluster = "ha-" + UUID.randomUUID().toString().substring(0, 6);
        Map<String, String> tokens = new HashMap<>();
        List<String> hostIds = new ArrayList<>();
        for (int i = 0; i < HOSTS; i++) {
            String hostId = cluster + "-h" + i;
            hostIds.add(hostId);
            tokens.put(hostId, register(i % 2 == 0 ? migrationA : migrationB, hostId, cluster, i));
        }
        for (String hostId : hostIds) {
            bus.await("virtgate.host.registered.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(30));
        }

        for (int i = 0; i < HOSTS; i++) {
            if (i == HOSTS / 2) {
                pkiA.kill(); // mid-flight: half of the enrollments are on the bus, some not yet answered
            }
            enroll(hostIds.get(i), cluster, tokens.get(hostIds.get(i)), i);
        }

        for (String hostId : hostIds) {
            bus.await("virtgate.pki.cert-issued.v1", s -> hostId.equals(s.key()), Duration.ofSeconds(120));
        }
        // late duplicates would come from a re-sent outbox row or a re-processed enrollment: give the
        // survivor's sweep (5 s) time to show one, then count
        Awaitility.await("both migration-service instances know every certificate").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1)).until(() -> hostIds.stream().allMatch(h ->
                        certificateSerial(migrationA, h) != null && certificateSerial(migrationB, h) != null));
        for (String hostId : hostIds) {
            assertEquals(1, distinct(bus.all("virtgate.host.registered.v1"), hostId, "ce_id"),
                    "HostRegistered events for " + hostId);
            Set<String> serials = serials(hostId);
            assertEquals(1, serials.size(), "certificates issued for " + hostId + ": " + serials);
            String serial = serials.iterator().next();
            assertEquals(serial, certificateSerial(migrationA, hostId));
            assertEquals(serial, certificateSerial(migrationB, hostId));
            List<String> issuedByPki = given().baseUri(pkiB.url("")).auth().oauth2(TestTokens.viewer("bob"))
                    .queryParam("hostId", hostId).get("/v1/certificates").then().statusCode(200)
                    .extract().path("serial");
            assertEquals(List.of(serial), issuedByPki, "pki-service's certificates of " + hostId);
        }
    }

    /**
     * Migrations requested through both migration-service instances at once, each with its own
     * Idempotency-Key; one instance is killed with SIGKILL while requests are in flight, and every
     * request it did not answer is sent again to the survivor with the same key, as a client behind a
     * load balancer does. Each key ends as exactly one migration with exactly one signed command.
     */
    @Test
    @Order(2)
    void migrationsRequestedThroughBothInstancesAreEachCommandedOnceWhenOneInstanceIsKilled() throws Exception {
        String cluster = "ham-" + UUID.randomUUID().toString().substring(0, 6);
        String source = tlsReadyHost(migrationA, cluster, 20);
        String destination = tlsReadyHost(migrationB, cluster, 21);
        int requests = 16;
        Map<String, String> migrationOfKey = new java.util.concurrent.ConcurrentHashMap<>();
        List<String> retried = java.util.Collections.synchronizedList(new ArrayList<>());
        var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
        List<java.util.concurrent.Future<?>> sent = new ArrayList<>();
        var answeredByA = new java.util.concurrent.atomic.AtomicInteger();
        for (int i = 0; i < requests; i++) {
            String key = cluster + "-k" + i;
            String vm = "vm-" + i;
            ServiceProcess first = i % 2 == 0 ? migrationA : migrationB;
            sent.add(pool.submit(() -> {
                Response answer;
                try {
                    answer = requestMigration(first, key, vm, source, destination);
                    if (first == migrationA) {
                        answeredByA.incrementAndGet();
                    }
                } catch (Exception lost) { // the instance died under the request: same key, the other one
                    retried.add(key);
                    answer = requestMigration(migrationB, key, vm, source, destination);
                }
                assertEquals(202, answer.statusCode(), key + ": " + answer.asString());
                migrationOfKey.put(key, answer.path("id"));
                return null;
            }));
        }
        // killed once it has answered some requests, while the others queue or are in flight
        Awaitility.await("migration-service A answering").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(20)).until(() -> answeredByA.get() >= 2);
        migrationA.kill();
        for (var f : sent) {
            f.get(3, java.util.concurrent.TimeUnit.MINUTES);
        }
        pool.shutdown();

        assertEquals(requests, migrationOfKey.size());
        assertEquals(requests, Set.copyOf(migrationOfKey.values()).size(), "one migration per key: " + migrationOfKey);
        // a command left in the dead instance's outbox is sent by the survivor's sweep (after 5 s): every
        // migration gets its command, and none gets a second one while the sweep runs
        Awaitility.await("a command for every migration").atMost(Duration.ofSeconds(60))
                .until(() -> commandsPerMigration(migrationOfKey).size() == requests);
        Awaitility.await("exactly one signed command per migration, for longer than the sweep delay")
                .during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(30))
                .until(() -> commandsPerMigration(migrationOfKey).values().stream().allMatch(n -> n == 1L));
        List<String> listed = given().baseUri(migrationB.url("")).auth().oauth2(TestTokens.viewer("bob"))
                .queryParam("host", source).get("/v1/migrations").then().statusCode(200).extract().path("id");
        assertEquals(Set.copyOf(migrationOfKey.values()), Set.copyOf(listed), "the survivor lists each migration once");
        System.out.printf("TwoInstancesIT: %d migrations, %d answered by the killed instance, %d re-sent to the"
                + " survivor after the kill%n", requests, answeredByA.get(), retried.size());
    }

    /** Distinct signed MigrationRequested events (by ce_id) seen for each migration of {@code migrationOfKey}. */
    private static Map<String, Long> commandsPerMigration(Map<String, String> migrationOfKey) {
        // commands are keyed by their source host (per-host order for its agent): the id is in the payload
        return bus.all("virtgate.migration.requested.v1").stream()
                .filter(s -> migrationOfKey.containsValue(migrationIdOf(s)))
                .collect(Collectors.groupingBy(TwoInstancesIT::migrationIdOf,
                        Collectors.mapping(s -> s.headers().get("ce_id"), Collectors.toSet())))
                .entrySet().stream().collect(Collectors.toMap(Map.Entry::getKey, e -> (long) e.getValue().size()));
    }

    private static String migrationIdOf(EventBus.Seen command) {
        try {
            return new EventCodec().mapper().readTree(command.payload()).path("migrationId").asText();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static Response requestMigration(ServiceProcess migration, String key, String vm, String source,
            String destination) {
        return given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                .contentType(ContentType.JSON).header("Idempotency-Key", key)
                .body(Map.of("vmName", vm, "sourceHostId", source, "destinationHostId", destination))
                .post("/v1/migrations");
    }

    /** Registered through {@code migration}, certified by the real pki-service, reporting a passing posture. */
    private static String tlsReadyHost(ServiceProcess migration, String cluster, int i) throws Exception {
        String hostId = cluster + "-h" + i;
        String token = register(migration, hostId, cluster, i);
        enroll(hostId, cluster, token, i).certified(bus, Duration.ofSeconds(120)).reportPosture(CheckStatus.PASS);
        for (ServiceProcess m : List.of(migrationA, migrationB)) {
            Awaitility.await(hostId + " TLS-ready on " + m.url("")).atMost(Duration.ofSeconds(60))
                    .pollInterval(Duration.ofMillis(500))
                    .until(() -> Boolean.TRUE.equals(given().baseUri(m.url("")).auth().oauth2(TestTokens.viewer("bob"))
                            .get("/v1/hosts/" + hostId).then().extract().path("tlsReady")));
        }
        return hostId;
    }

    private static String register(ServiceProcess migration, String hostId, String cluster, int i) {
        String fqdn = hostId + ".ha.virtgate.test";
        Response created = Awaitility.await("POST /v1/hosts once the CA is published").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofSeconds(1))
                .until(() -> given().baseUri(migration.url("")).auth().oauth2(TestTokens.operator("alice"))
                        .contentType(ContentType.JSON)
                        .body(Map.of("hostId", hostId, "clusterId", cluster, "fqdn", fqdn, "dnsNames", List.of(fqdn),
                                "managementAddresses", List.of(address(i)), "migrationAddresses", List.of()))
                        .post("/v1/hosts"), r -> r.statusCode() != 503);
        assertEquals(201, created.statusCode(), created.asString());
        return created.path("enrollmentToken");
    }

    private static SimulatedAgent enroll(String hostId, String cluster, String token, int i) throws Exception {
        return SimulatedAgent.enroll(hostId, cluster, hostId + ".ha.virtgate.test", address(i), token);
    }

    private static String address(int i) {
        return "10.99.2." + (10 + i);
    }

    private static String certificateSerial(ServiceProcess migration, String hostId) {
        return given().baseUri(migration.url("")).auth().oauth2(TestTokens.viewer("bob"))
                .get("/v1/hosts/" + hostId).then().statusCode(200).extract().path("certificate.serial");
    }

    private static Set<String> serials(String hostId) throws IOException {
        Set<String> serials = new java.util.TreeSet<>();
        for (EventBus.Seen seen : bus.all("virtgate.pki.cert-issued.v1")) {
            if (hostId.equals(seen.key())) {
                JsonNode payload = new EventCodec().mapper().readTree(seen.payload());
                serials.add(payload.get("serial").asText());
            }
        }
        return serials;
    }

    private static long distinct(List<EventBus.Seen> seen, String key, String header) {
        return seen.stream().filter(s -> key.equals(s.key())).map(s -> s.headers().get(header))
                .collect(Collectors.toSet()).size();
    }
}
