package dev.virtgate.migration;

import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.migration.repository.MigrationEntity;
import dev.virtgate.support.outbox.OutboxEvent;
import dev.virtgate.testsupport.OpenBaoServer;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.is;

/**
 * OpenBao down, then back empty (a dev server keeps nothing; a real one restored from an old
 * snapshot loses keys the same way): while it is down nothing is accepted or half-written; once it
 * answers again the command key is re-created and commands are signed with it, never unsigned.
 */
@QuarkusTest
class OpenBaoWipeTest {

    @Test
    void withoutOpenBaoNothingIsAcceptedAndAWipedOpenBaoGetsANewCommandKey() throws Exception {
        Fleet.Host a = Fleet.register("wipe-c");
        Fleet.Host b = Fleet.register("wipe-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        OpenBaoServer openBao = OpenBaoServer.shared();
        String keyBefore = openBao.call("GET", "transit/keys/" + MigrationApiTest.KEY, null).body();

        openBao.stop();
        try {
            long migrations = MigrationEntity.count();
            long outbox = OutboxEvent.count();
            Fleet.operator().body(Fleet.migration("vm-wipe", a, b)).post("/v1/migrations").then().statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", is("5"))
                    .body("detail", containsString("nothing was submitted"));
            assertThat(MigrationEntity.count()).isEqualTo(migrations);
            assertThat(OutboxEvent.count()).isEqualTo(outbox);
            await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().get("/q/health/ready").then().statusCode(503));
        } finally {
            openBao.start();
            TestTrust.republish(); // what pki-service does when it finds the store empty
        }

        await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                Fleet.operator().body(Fleet.migration("vm-wipe", a, b)).post("/v1/migrations").then().statusCode(202));
        String id = Fleet.viewer().get("/v1/migrations?host=" + a.id()).then().extract().path("[0].id");
        MigrationRequested command = Bus.decode(MigrationApiTest.awaitCommand(id, "virtgate.migration.requested.v1"),
                MigrationRequested.class);
        assertThat(Signatures.keyType(MigrationApiTest.KEY)).isEqualTo("ecdsa-p256");
        String keyAfter = openBao.call("GET", "transit/keys/" + MigrationApiTest.KEY, null).body();
        assertThat(keyAfter).isNotEqualTo(keyBefore).contains("\"exportable\":false");
        assertThat(Signatures.verify(MigrationApiTest.KEY, command.signingPayload(), command.signature())).isTrue();
        await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> given().get("/q/health/ready").then().statusCode(200));
    }
}
