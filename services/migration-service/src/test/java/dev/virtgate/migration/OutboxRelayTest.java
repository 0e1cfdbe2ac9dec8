package dev.virtgate.migration;

import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.support.outbox.OutboxEvent;
import dev.virtgate.support.trust.EventSigner;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.UUID;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay sends this process's rows from memory right after their commit and marks them published
 * afterwards; rows it never saw commit (another instance that died) are swept from the table once they
 * are older than virtgate.outbox.sweep-after (1 min), younger ones are left to their owner.
 */
@QuarkusTest
class OutboxRelayTest {

    @Inject
    EventSigner signer;

    @Test
    void sentFromMemoryThenMarkedPublished() {
        String id = acceptMigration("vm-relay-marked");
        MigrationApiTest.awaitCommand(id, EventType.MIGRATION_REQUESTED.ceType());
        Awaitility.await("outbox row of " + id + " marked published").atMost(Duration.ofSeconds(10))
                .until(() -> QuarkusTransaction.requiringNew().call(() -> OutboxEvent.count(
                        "publishedAt is not null and payload like ?1 and topic = ?2", "%\"" + id + "\"%",
                        Topics.MIGRATION_COMMANDS)) == 1);
    }

    @Test
    void rowsLeftByAnotherInstanceAreSweptOnceOldEnough() {
        // the relay has drained the table and sends from memory from here on
        MigrationApiTest.awaitCommand(acceptMigration("vm-relay-sweep"), EventType.MIGRATION_REQUESTED.ceType());

        UUID forgotten = insertUnpublished(Instant.now().minus(Duration.ofMinutes(2)));
        UUID young = insertUnpublished(Instant.now());
        Awaitility.await("the forgotten row on the bus").atMost(Duration.ofSeconds(15))
                .until(() -> onBus(forgotten) == 1);
        assertThat(onBus(young)).as("a young row belongs to the instance that is still sending it").isZero();
        Awaitility.await("exactly once").during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                .until(() -> onBus(forgotten) == 1);
        QuarkusTransaction.requiringNew().run(() -> OutboxEvent.delete("eventId", young));
    }

    private static String acceptMigration(String vm) {
        Fleet.Host a = Fleet.register("relay-c");
        Fleet.Host b = Fleet.register("relay-c");
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, true);
        return Fleet.operator().body(Fleet.migration(vm, a, b)).post("/v1/migrations").then().statusCode(202)
                .extract().path("id");
    }

    /** A row as another instance's OutboxWriter would have committed it (signed), unseen by this process. */
    private UUID insertUnpublished(Instant ceTime) {
        UUID eventId = UUID.randomUUID();
        String payload = "{\"test\":\"" + eventId + "\"}";
        String signature = signer.sign(EventSignatures.signingInput(eventId.toString(), "virtgate.test.relay.v1",
                "/virtgate/other-instance", ceTime.toString(), "relay-test", payload.getBytes(StandardCharsets.UTF_8)));
        QuarkusTransaction.requiringNew().run(() -> {
            OutboxEvent row = new OutboxEvent();
            row.eventId = eventId;
            row.topic = Topics.MIGRATION_COMMANDS;
            row.recordKey = "relay-test";
            row.ceType = "virtgate.test.relay.v1";
            row.ceSource = "/virtgate/other-instance";
            row.ceTime = ceTime;
            row.payload = payload;
            row.signature = signature;
            row.persist();
        });
        return eventId;
    }

    private static long onBus(UUID eventId) {
        return Bus.read(Topics.MIGRATION_COMMANDS, r -> eventId.toString().equals(Bus.headers(r).get("ce_id"))).size();
    }
}
