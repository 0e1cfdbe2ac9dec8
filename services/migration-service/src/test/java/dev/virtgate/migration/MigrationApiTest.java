package dev.virtgate.migration;

import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.MigrationCompleted;
import dev.virtgate.contracts.events.MigrationFailed;
import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationProgress;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.MigrationParameter;
import dev.virtgate.contracts.migration.MigrationParameters;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.support.outbox.OutboxEvent;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.endsWith;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.not;

@QuarkusTest
class MigrationApiTest {
    static final String KEY = "virtgate-migration-commands";

    @Test
    void planShowsTheDecisionWithoutMigrating() {
        Fleet.Host a = Fleet.register("plan-c");
        Fleet.Host b = Fleet.register("plan-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        Map<String, Object> body = new HashMap<>(Fleet.migration("vm-plan", a, b));
        body.put("bandwidthMiBps", 300);
        Fleet.viewer().body(body).post("/v1/migrations/plan").then().statusCode(200)
                .body("allowed", is(true)).body("mode", is("TLS_NATIVE"))
                .body("destinationUri", is("qemu+tls://" + b.fqdn() + "/system"))
                .body("flags", contains("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TLS"))
                .body("parameters.migrate_uri", is("tcp://" + b.migrationAddress()))
                .body("parameters.'tls.destination'", is(b.fqdn()))
                .body("parameters.bandwidth", is("300"))
                .body("policy", is("REQUIRE_TLS"));
        assertThat(MigrationEntity.count("vmName", "vm-plan")).isZero();

        Fleet.Host legacy = Fleet.register("plan-c");
        Fleet.operator().body(Fleet.migration("vm-plan", a, legacy)).post("/v1/migrations/plan").then()
                .statusCode(200).body("allowed", is(false))
                .body("reasons", hasItem("destination has no certificate from this CA (not enrolled yet)"))
                .body("reasons", hasItem("refused: cluster policy REQUIRE_TLS allows no fallback from TLS"));
    }

    @Test
    void acceptedMigrationIsSignedSentOnceAndTracked() throws Exception {
        Fleet.Host a = Fleet.register("mig-c");
        Fleet.Host b = Fleet.register("mig-c", false);
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, false);
        ExtractableResponse<Response> accepted = Fleet.operator().body(Fleet.migration("vm-track", a, b))
                .post("/v1/migrations").then().statusCode(202).body("state", is("REQUESTED"))
                .body("mode", is("TLS_TUNNELLED")).body("requestedBy", is("alice")).extract();
        String id = accepted.path("id");
        assertThat(accepted.header("Location")).endsWith("/v1/migrations/" + id);

        ConsumerRecord<String, byte[]> record = awaitCommand(id, "virtgate.migration.requested.v1");
        assertThat(record.key()).isEqualTo(a.id());
        assertThat(Bus.headers(record)).containsEntry("ce_subject", a.id()).containsKey("ce_id");
        MigrationRequested command = Bus.decode(record, MigrationRequested.class);
        assertThat(command.mode()).isEqualTo(MigrationMode.TLS_TUNNELLED);
        assertThat(command.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TUNNELLED");
        assertThat(command.destinationUri()).isEqualTo("qemu+tls://" + b.fqdn() + "/system");
        assertThat(command.requestedBy()).isEqualTo("alice");
        assertThat(command.signingKey()).isEqualTo(KEY);
        assertThat(command.signature()).startsWith("vault:v1:");
        assertThat(Signatures.keyType(KEY)).isEqualTo("ecdsa-p256");
        assertThat(Signatures.verify(KEY, command.signingPayload(), command.signature())).isTrue();
        MigrationRequested tampered = new MigrationRequested(command.migrationId(), command.vmName(),
                command.clusterId(), command.sourceHostId(), command.destinationHostId(),
                "qemu+tcp://" + b.fqdn() + "/system", command.flags(), command.parameters(), MigrationMode.INSECURE,
                command.reasons(), command.requestedBy(), command.requestedAt(), command.notAfter(),
                command.signingKey(), command.signature());
        assertThat(Signatures.verify(KEY, tampered.signingPayload(), command.signature())).isFalse();

        Bus.publish(a.agent().producer(), new MigrationProgress(id, a.id(), 1000, 1000, 250, 750, 200_000_000));
        awaitState(id, "RUNNING");
        Fleet.viewer().get("/v1/migrations/" + id).then().body("progress.percent", is(25))
                .body("progress.bytesRemaining", is(750));
        Fleet.viewer().get("/v1/migrations?host=" + b.id() + "&state=RUNNING").then().statusCode(200)
                .body("id", hasItem(id));
        Fleet.viewer().get("/v1/migrations?host=" + b.id() + "&state=COMPLETED").then().statusCode(200)
                .body("id", not(hasItem(id)));
        Bus.publish(a.agent().producer(), new MigrationCompleted(id, "vm-track", a.id(), b.id(),
                MigrationMode.TLS_TUNNELLED, 3000, 1200L, 290L, 131_000_000L, 200_000_000L));
        awaitState(id, "COMPLETED");
        Fleet.viewer().get("/v1/migrations/" + id).then().body("progress.downtimeMs", is(290))
                .body("progress.percent", is(100));
        Fleet.viewer().get("/v1/migrations?state=COMPLETED&host=" + a.id()).then().body("id", contains(id));
        Fleet.viewer().get("/v1/migrations?state=bogus").then().statusCode(400)
                .body("invalidParams.name", hasItem("state"));

        // The VM is free again once the first migration finished.
        Fleet.operator().body(Fleet.migration("vm-track", b, a)).post("/v1/migrations").then().statusCode(202);
    }

    /** Both agents report multifd with TLS: the signed command asks for PARALLEL with the policy's connections. */
    @Test
    void nativeTlsBetweenMultifdHostsIsParallel() throws Exception {
        Fleet.Host a = Fleet.register("par-c");
        Fleet.Host b = Fleet.register("par-c");
        Fleet.Host old = Fleet.register("par-c");
        Fleet.makeTlsReady(a, true, true);
        Fleet.makeTlsReady(b, true, true);
        Fleet.makeTlsReady(old, true, false);
        Fleet.viewer().body(Fleet.migration("vm-par", a, b)).post("/v1/migrations/plan").then().statusCode(200)
                .body("mode", is("TLS_NATIVE"))
                .body("flags", contains("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TLS", "PARALLEL"))
                .body("parameters.'parallel.connections'", is("8"))
                .body("reasons", hasItem("8 parallel TLS connections carry the memory (multifd), both hosts run it;"
                        + " default, no parallelConnections in the cluster policy"));
        Fleet.viewer().body(Fleet.migration("vm-par", a, old)).post("/v1/migrations/plan").then().statusCode(200)
                .body("mode", is("TLS_NATIVE")).body("flags", not(hasItem("PARALLEL")))
                .body("parameters", not(org.hamcrest.Matchers.hasKey("parallel.connections")))
                .body("reasons", hasItem("one TLS connection: destination does not run parallel (multifd) migration"
                        + " with TLS (libvirt and QEMU 5.2 or later)"));

        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS", "parallelConnections", 4)).put("/v1/clusters/par-c/policy")
                .then().statusCode(200);
        String id = Fleet.operator().body(Fleet.migration("vm-par", a, b)).post("/v1/migrations").then()
                .statusCode(202).body("mode", is("TLS_NATIVE")).extract().path("id");
        MigrationRequested command = Bus.decode(awaitCommand(id, "virtgate.migration.requested.v1"),
                MigrationRequested.class);
        assertThat(command.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE", "TLS",
                "PARALLEL");
        assertThat(command.parameters()).containsEntry("parallel.connections", "4");
        assertThat(command.reasons()).contains("4 parallel TLS connections carry the memory (multifd), both hosts run"
                + " it; cluster policy sets parallelConnections");
        assertThat(Signatures.verify(KEY, command.signingPayload(), command.signature())).isTrue();
    }

    /** The command an agent gets for a host registered with a migration address carries libvirt's names. */
    @Test
    void nativeTlsOverTheMigrationNetworkSendsLibvirtsParameterNames() throws Exception {
        Fleet.Host a = Fleet.register("mignet-c");
        Fleet.Host b = Fleet.register("mignet-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        Map<String, Object> body = new HashMap<>(Fleet.migration("vm-mignet", a, b));
        body.put("bandwidthMiBps", 300);
        String id = Fleet.operator().body(body).post("/v1/migrations").then().statusCode(202)
                .body("mode", is("TLS_NATIVE")).body("parameters.'tls.destination'", is(b.fqdn())).extract().path("id");

        MigrationRequested command = Bus.decode(awaitCommand(id, "virtgate.migration.requested.v1"),
                MigrationRequested.class);
        assertThat(command.parameters()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "migrate_uri", "tcp://" + b.migrationAddress(), "tls.destination", b.fqdn(), "bandwidth", "300"));
        assertThat(MigrationParameters.fromWire(command.parameters()).values()).containsOnlyKeys(
                MigrationParameter.MIGRATE_URI, MigrationParameter.TLS_DESTINATION, MigrationParameter.BANDWIDTH);
        assertThat(Signatures.verify(KEY, command.signingPayload(), command.signature())).isTrue();
        Fleet.viewer().get("/v1/migrations/" + id).then().body("parameters.'tls.destination'", is(b.fqdn()))
                .body("parameters.migrate_uri", is("tcp://" + b.migrationAddress()));
    }

    @Test
    void cancelSendsASignedCancelAndTheAgentReportDecides() throws Exception {
        Fleet.Host a = Fleet.register("cancel-c");
        Fleet.Host b = Fleet.register("cancel-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String id = Fleet.operator().body(Fleet.migration("vm-cancel", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        Fleet.operator().delete("/v1/migrations/" + id).then().statusCode(202).body("cancelRequestedAt",
                org.hamcrest.Matchers.notNullValue());
        Fleet.operator().delete("/v1/migrations/" + id).then().statusCode(202);
        ConsumerRecord<String, byte[]> record = awaitCommand(id, "virtgate.migration.cancel-requested.v1");
        MigrationCancelRequested cancel = Bus.decode(record, MigrationCancelRequested.class);
        assertThat(cancel.requestedBy()).isEqualTo("alice");
        assertThat(Signatures.verify(KEY, cancel.signingPayload(), cancel.signature())).isTrue();
        Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(4)).until(() ->
                commands(id, "virtgate.migration.cancel-requested.v1").size() == 1);

        Bus.publish(a.agent().producer(), new MigrationFailed(id, "vm-cancel", a.id(), b.id(), "cancelled by operator",
                null, null, true));
        awaitState(id, "CANCELLED");
        Fleet.operator().delete("/v1/migrations/" + id).then().statusCode(409)
                .contentType("application/problem+json").body("invalidParams.name", hasItem("state"));
        Fleet.operator().delete("/v1/migrations/m-unknown").then().statusCode(404);
    }

    @Test
    void failureFromTheAgentIsRecorded() {
        Fleet.Host a = Fleet.register("fail-c");
        Fleet.Host b = Fleet.register("fail-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String id = Fleet.operator().body(Fleet.migration("vm-fail", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        Bus.publish(a.agent().producer(), new MigrationFailed(id, "vm-fail", a.id(), b.id(), "libvirt refused",
                "authentication failed", 45, false));
        awaitState(id, "FAILED");
        Fleet.viewer().get("/v1/migrations/" + id).then().body("failureReason", is("libvirt refused: authentication failed"));
    }

    @Test
    void badRequestsAreProblemsAndLeaveNoTrace() {
        Fleet.Host a = Fleet.register("bad-c");
        Fleet.Host b = Fleet.register("bad-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String vm = "vm-bad";
        Fleet.operator().body("{\"vmName\": \"x\", ").post("/v1/migrations").then().statusCode(400)
                .contentType("application/problem+json");
        Fleet.operator().body("{\"vmName\": \"x\", \"sourceHostId\": 5, \"destinationHostId\": []}")
                .post("/v1/migrations").then().statusCode(400).contentType("application/problem+json");
        problem(Map.of("sourceHostId", a.id(), "destinationHostId", b.id()), 400, "vmName");
        problem(Map.of("vmName", vm, "sourceHostId", "nope", "destinationHostId", b.id()), 422, "sourceHostId");
        problem(Map.of("vmName", vm, "sourceHostId", a.id(), "destinationHostId", "nope"), 422, "destinationHostId");
        problem(Map.of("vmName", vm, "sourceHostId", a.id(), "destinationHostId", a.id()), 422, "destinationHostId");
        problem(Map.of("vmName", "bad name;rm", "sourceHostId", a.id(), "destinationHostId", b.id()), 422, "vmName");
        problem(Map.of("vmName", vm, "sourceHostId", a.id(), "destinationHostId", b.id(), "bandwidthMiBps", 0), 400,
                "bandwidthMiBps");
        Fleet.viewer().get("/v1/migrations/m-nope").then().statusCode(404).contentType("application/problem+json");

        // Forbidden by policy: 409 with the reasons, naming the host at fault.
        Fleet.Host legacy = Fleet.register("bad-c");
        Fleet.operator().body(Fleet.migration(vm, a, legacy)).post("/v1/migrations").then().statusCode(409)
                .contentType("application/problem+json")
                .body("invalidParams.name", hasItem("destinationHostId"))
                .body("invalidParams.reason", hasItem("destination has no certificate from this CA (not enrolled yet)"));

        assertThat(MigrationEntity.count("vmName", vm)).isZero();
        assertThat(MigrationEntity.count("vmName", "bad name;rm")).isZero();
        assertThat(OutboxEvent.count("payload like ?1", "%\"" + vm + "\"%")).isZero();
        assertThat(Bus.read(Topics.MIGRATION_COMMANDS, r -> Bus.text(r).contains("\"" + vm + "\""))).isEmpty();

        // A VM that is migrating cannot be migrated again: 409, nothing new stored or sent.
        Fleet.operator().body(Fleet.migration(vm, a, b)).post("/v1/migrations").then().statusCode(202);
        Fleet.operator().body(Fleet.migration(vm, b, a)).post("/v1/migrations").then().statusCode(409)
                .body("invalidParams.name", hasItem("vmName"));
        assertThat(MigrationEntity.count("vmName", vm)).isEqualTo(1);
        // the command, and its REQUESTED on the public stream
        assertThat(OutboxEvent.count("payload like ?1 and topic = ?2", "%\"" + vm + "\"%", Topics.MIGRATION_COMMANDS))
                .isEqualTo(1);
        assertThat(OutboxEvent.count("payload like ?1 and topic = ?2", "%\"" + vm + "\"%", Topics.PUBLIC))
                .isEqualTo(1);
    }

    @Test
    void idempotencyKeyReplaysTheSameAnswerAndRejectsADifferentBody() {
        Fleet.Host a = Fleet.register("idem-c");
        Fleet.Host b = Fleet.register("idem-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String key = Fleet.unique("idem");
        ExtractableResponse<Response> first = Fleet.operator().header("Idempotency-Key", key)
                .body(Fleet.migration("vm-idem", a, b)).post("/v1/migrations").then().statusCode(202).extract();
        String id = first.path("id");
        Fleet.operator().header("Idempotency-Key", key).body(Fleet.migration("vm-idem", a, b)).post("/v1/migrations")
                .then().statusCode(202).body("id", is(id)).header("Location", endsWith("/v1/migrations/" + id))
                .header("Idempotent-Replayed", "true");
        Fleet.operator().header("Idempotency-Key", key).body(Fleet.migration("vm-other", a, b)).post("/v1/migrations")
                .then().statusCode(422).contentType("application/problem+json")
                .body("invalidParams.name", hasItem("Idempotency-Key"));
        assertThat(MigrationEntity.count("vmName", "vm-idem")).isEqualTo(1);
        assertThat(MigrationEntity.count("vmName", "vm-other")).isZero();
        awaitCommand(id, "virtgate.migration.requested.v1");
        Awaitility.await().during(Duration.ofSeconds(1)).atMost(Duration.ofSeconds(4)).until(() ->
                Bus.read(Topics.MIGRATION_COMMANDS, r -> Bus.text(r).contains("\"vm-idem\"")).size() == 1);
    }

    @Test
    void saslFallbackOnlyWhenThePolicyAllowsIt() {
        Fleet.Host a = Fleet.register("sasl-c");
        Fleet.Host b = Fleet.register("sasl-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        String serial = Fleet.operator().get("/v1/hosts/" + b.id()).then().extract().path("certificate.serial");
        Fleet.configured(b, serial, false, true, true, CheckStatus.PASS);
        Fleet.awaitTlsReady(b, false);
        Fleet.operator().body(Fleet.migration("vm-sasl", a, b)).post("/v1/migrations").then().statusCode(409)
                .body("invalidParams.reason", hasItem("destination libvirtd is not listening on TLS"));
        Fleet.operator().body(Map.of("mode", "ALLOW_SASL_FALLBACK")).put("/v1/clusters/sasl-c/policy").then()
                .statusCode(200);
        Fleet.operator().body(Fleet.migration("vm-sasl", a, b)).post("/v1/migrations").then().statusCode(202)
                .body("mode", is("SASL_TUNNELLED")).body("flags", hasItem("TUNNELLED"))
                .body("destinationUri", is("qemu+tcp://" + b.fqdn() + "/system"))
                .body("reasons", hasItem(org.hamcrest.Matchers.startsWith("WARNING: falling back to SASL")));
    }

    @Test
    void insecureMigrationInAnUpgradeWindowIsAudited() {
        List<LogRecord> audit = new CopyOnWriteArrayList<>();
        Handler handler = new Handler() {
            @Override
            public void publish(LogRecord record) {
                audit.add(record);
            }

            @Override
            public void flush() {
            }

            @Override
            public void close() {
            }
        };
        Logger.getLogger("virtgate.audit").addHandler(handler);
        try {
            Fleet.Host a = Fleet.register("upg-c");
            Fleet.Host legacy = Fleet.register("upg-c");
            Fleet.makeTlsReady(a, true);
            Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW", "windowExpiresAt",
                    Instant.now().plus(Duration.ofHours(2)).toString())).put("/v1/clusters/upg-c/policy").then()
                    .statusCode(200).body("windowOpen", is(true));
            String id = Fleet.operator().body(Fleet.migration("vm-insecure", a, legacy)).post("/v1/migrations").then()
                    .statusCode(202).body("mode", is("INSECURE"))
                    .body("flags", everyItem(org.hamcrest.Matchers.not(org.hamcrest.Matchers.oneOf("TLS", "TUNNELLED"))))
                    .extract().path("id");
            MigrationRequested command = Bus.decode(awaitCommand(id, "virtgate.migration.requested.v1"),
                    MigrationRequested.class);
            assertThat(command.mode()).isEqualTo(MigrationMode.INSECURE);
            assertThat(command.requestedBy()).isEqualTo("alice");
            assertThat(command.reasons()).anyMatch(r -> r.contains("UNENCRYPTED"));
            assertThat(audit).anyMatch(r -> r.getLevel().intValue() >= java.util.logging.Level.WARNING.intValue()
                    && r.getMessage().startsWith("migration.start by=alice ")
                    && r.getMessage().contains("target=" + id) && r.getMessage().contains("mode=INSECURE"));
            Fleet.viewer().get("/v1/audit?action=migration.start&host=" + a.id()).then().statusCode(200)
                    .body("items.target", contains(id)).body("items.mode", contains("INSECURE"))
                    .body("items.outcome", contains("accepted"))
                    .body("items[0].detail", org.hamcrest.Matchers.containsString("UNENCRYPTED"));
        } finally {
            Logger.getLogger("virtgate.audit").removeHandler(handler);
        }
    }

    static void problem(Map<String, Object> body, int status, String field) {
        Fleet.operator().body(body).post("/v1/migrations").then().statusCode(status)
                .contentType("application/problem+json").body("invalidParams.name", hasItem(field));
    }

    static void awaitState(String id, String state) {
        Awaitility.await(id + " " + state).atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(100))
                .until(() -> state.equals(Fleet.viewer().get("/v1/migrations/" + id).then().extract().path("state")));
    }

    static List<ConsumerRecord<String, byte[]>> commands(String migrationId, String ceType) {
        return Bus.read(Topics.MIGRATION_COMMANDS, r -> ceType.equals(Bus.ceType(r))
                && Bus.text(r).contains("\"" + migrationId + "\""));
    }

    static ConsumerRecord<String, byte[]> awaitCommand(String migrationId, String ceType) {
        return Awaitility.await(ceType + " " + migrationId).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> commands(migrationId, ceType), l -> !l.isEmpty()).get(0);
    }
}
