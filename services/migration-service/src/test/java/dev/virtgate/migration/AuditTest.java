package dev.virtgate.migration;

import dev.virtgate.support.audit.AuditActions;
import dev.virtgate.support.audit.AuditEntry;
import dev.virtgate.support.audit.AuditRecord;
import dev.virtgate.support.audit.AuditRecorder;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import jakarta.transaction.TransactionalException;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

/** GET /v1/audit: operator actions stored with who, what, when, from where and the outcome. */
@QuarkusTest
class AuditTest {

    @Inject
    AuditRecorder recorder;

    @Test
    void operatorActionsAreQueryableByHostActorActionAndTime() {
        Instant before = Instant.now().minusMillis(1);
        String cluster = Fleet.unique("auditc");
        Fleet.Host a = Fleet.register(cluster);
        Fleet.Host b = Fleet.register(cluster);
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        Fleet.operator().body(Map.of("mode", "ALLOW_SASL_FALLBACK")).put("/v1/clusters/" + cluster + "/policy").then()
                .statusCode(200);
        String id = Fleet.operator().body(Fleet.migration("vm-audit", a, b)).post("/v1/migrations").then()
                .statusCode(202).extract().path("id");
        Fleet.operator().delete("/v1/migrations/" + id).then().statusCode(202);

        // by host, newest first
        JsonPath byHost = audit("host=" + a.id());
        assertThat(byHost.getList("items.action")).containsExactly(AuditActions.MIGRATION_CANCEL,
                AuditActions.MIGRATION_START, AuditActions.HOST_REGISTER);
        assertThat(byHost.getLong("total")).isEqualTo(3);
        Map<String, Object> start = byHost.getMap("items[1]");
        assertThat(start).containsEntry("service", "migration-service").containsEntry("actor", "alice")
                .containsEntry("target", id).containsEntry("host", a.id()).containsEntry("cluster", cluster)
                .containsEntry("mode", "TLS_NATIVE").containsEntry("outcome", "accepted")
                .containsEntry("sourceAddress", "127.0.0.1");
        assertThat((String) start.get("detail")).contains("vm=vm-audit").contains("destination=" + b.id());
        Instant startedAt = Instant.parse((String) start.get("at"));
        assertThat(startedAt).isAfter(before).isBefore(Instant.now());
        assertThat(byHost.getString("items[2].target")).isEqualTo(a.id());

        // by actor and action
        assertThat(audit("actor=alice&action=policy.set&since=" + before).getList("items.target")).contains(cluster);
        assertThat(audit("actor=bob&action=policy.set&since=" + before).getList("items")).isEmpty();
        assertThat(audit("action=host.decommission&host=" + a.id()).getLong("total")).isZero();

        // time window: since inclusive, until exclusive
        assertThat(audit("host=" + a.id() + "&since=" + startedAt).getList("items.action"))
                .containsExactly(AuditActions.MIGRATION_CANCEL, AuditActions.MIGRATION_START);
        assertThat(audit("host=" + a.id() + "&until=" + startedAt).getList("items.action"))
                .containsExactly(AuditActions.HOST_REGISTER);
        assertThat(audit("host=" + a.id() + "&since=" + before + "&until=" + before.plusMillis(1)).getLong("total"))
                .isZero();

        // paging
        JsonPath first = audit("host=" + a.id() + "&size=2");
        assertThat(first.getList("items.action")).containsExactly(AuditActions.MIGRATION_CANCEL,
                AuditActions.MIGRATION_START);
        assertThat(first.getInt("page")).isZero();
        assertThat(first.getInt("size")).isEqualTo(2);
        assertThat(first.getLong("total")).isEqualTo(3);
        JsonPath second = audit("host=" + a.id() + "&size=2&page=1");
        assertThat(second.getList("items.action")).containsExactly(AuditActions.HOST_REGISTER);
        assertThat(audit("host=" + a.id() + "&size=2&page=2").getList("items")).isEmpty();
        assertThat(audit("host=" + a.id()).getInt("size")).isEqualTo(50);
    }

    @Test
    void badParametersAreProblemsNamingTheField() {
        refused("since=yesterday", "since");
        refused("until=2026-13-01T00:00:00Z", "until");
        refused("size=0", "size");
        refused("size=501", "size");
        refused("size=many", "size");
        refused("page=-1", "page");
        refused("action=migration.insecure", "action");
        given().get("/v1/audit").then().statusCode(401);
        Fleet.operator().get("/v1/audit?size=1").then().statusCode(200);
    }

    @Test
    void refusedActionsAreRecordedAsRefused() {
        String cluster = Fleet.unique("auditr");
        Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW")).put("/v1/clusters/" + cluster + "/policy").then()
                .statusCode(422);
        Fleet.viewer().get("/v1/clusters/" + cluster + "/policy").then().body("revision", is(0));
        JsonPath refused = audit("action=policy.set&actor=alice&size=500");
        List<Map<String, Object>> rows = refused.<Map<String, Object>>getList("items").stream()
                .filter(r -> cluster.equals(r.get("target"))).toList();
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0)).containsEntry("outcome", "refused").containsEntry("cluster", cluster)
                .containsEntry("sourceAddress", "127.0.0.1");
        assertThat((String) rows.get(0).get("detail")).contains("windowExpiresAt");

        Fleet.Host a = Fleet.register(cluster);
        Fleet.operator().body(Map.of("vmName", "vm-refused", "sourceHostId", a.id(), "destinationHostId", "nope"))
                .post("/v1/migrations").then().statusCode(422);
        Fleet.operator().delete("/v1/hosts/" + a.id()).then().statusCode(204);
        Fleet.operator().delete("/v1/migrations/m-nope-" + a.id()).then().statusCode(404);
        Fleet.viewer().get("/v1/audit?host=" + a.id()).then().statusCode(200)
                .body("items.action", contains(AuditActions.HOST_DECOMMISSION, AuditActions.MIGRATION_START,
                        AuditActions.HOST_REGISTER))
                .body("items.outcome", contains("accepted", "refused", "accepted"))
                .body("items[1].target", is("vm-refused"))
                .body("items[1].detail", containsString("destinationHostId"));
        Fleet.viewer().get("/v1/audit?action=migration.cancel").then()
                .body("items.target", hasItem("m-nope-" + a.id()));
    }

    /** Refused before the resource method runs: the caller's role, a body that breaks a constraint or does not parse. */
    @Test
    void refusalsBeforeTheActionRunsAreRecordedToo() {
        Instant since = Instant.now().minusMillis(1);
        String cluster = Fleet.unique("auditp");
        Fleet.Host a = Fleet.register(cluster);
        Fleet.viewer().delete("/v1/hosts/" + a.id()).then().statusCode(403);
        given().delete("/v1/hosts/" + a.id()).then().statusCode(401);
        Fleet.operator().body(Map.of("sourceHostId", a.id(), "destinationHostId", "h-x")).post("/v1/migrations").then()
                .statusCode(400);
        Fleet.operator().body("{\"mode\": ").put("/v1/clusters/" + cluster + "/policy").then().statusCode(400);
        Fleet.operator().urlEncodingEnabled(false).body(Map.of("mode", "REQUIRE_TLS"))
                .put("/v1/clusters/" + cluster + "%00x/policy").then().statusCode(400);

        Fleet.viewer().get("/v1/audit?host=" + a.id()).then().statusCode(200)
                .body("items.action", contains(AuditActions.HOST_DECOMMISSION, AuditActions.HOST_REGISTER))
                .body("items.actor", contains("bob", "alice"))
                .body("items.outcome", contains("refused", "accepted"))
                .body("items[0].detail", containsString("role"));
        Fleet.viewer().get("/v1/audit?action=migration.start&actor=alice&since=" + since).then().statusCode(200)
                .body("items.outcome", contains("refused"))
                .body("items[0].detail", containsString("vmName"));
        // newest first; a NUL (unstorable) is stored written out
        Fleet.viewer().get("/v1/audit?action=policy.set&since=" + since).then().statusCode(200)
                .body("items.target", contains(cluster + "\\u0000x", cluster))
                .body("items.outcome", contains("refused", "refused"))
                .body("items[0].detail", containsString("NUL"))
                .body("items[1].cluster", is(cluster))
                .body("items[1].detail", containsString("not valid JSON"));
    }

    @Test
    void theRowCommitsAndRollsBackWithItsAction() {
        String rolledBack = Fleet.unique("rolled-back");
        assertThatThrownBy(() -> QuarkusTransaction.requiringNew().run(() -> {
            recorder.accepted(AuditEntry.of(AuditActions.POLICY_SET, rolledBack));
            AuditRecord.getEntityManager().flush();
            assertThat(AuditRecord.count("target", rolledBack)).isOne();
            throw new IllegalStateException("the action failed after its audit row was written");
        })).isInstanceOf(IllegalStateException.class);
        assertThat(AuditRecord.count("target", rolledBack)).isZero();

        String committed = Fleet.unique("committed");
        QuarkusTransaction.requiringNew().run(() -> recorder.accepted(AuditEntry.of(AuditActions.POLICY_SET, committed)));
        assertThat(AuditRecord.count("target", committed)).isOne();

        // an accepted row belongs to its action's transaction: none, no row
        assertThatThrownBy(() -> recorder.accepted(AuditEntry.of(AuditActions.POLICY_SET, Fleet.unique("none"))))
                .isInstanceOf(TransactionalException.class);
    }

    static JsonPath audit(String query) {
        return Fleet.viewer().get("/v1/audit?" + query).then().statusCode(200).contentType("application/json")
                .extract().jsonPath();
    }

    static void refused(String query, String field) {
        Fleet.viewer().get("/v1/audit?" + query).then().statusCode(400).contentType("application/problem+json")
                .body("invalidParams.name", contains(field));
    }
}
