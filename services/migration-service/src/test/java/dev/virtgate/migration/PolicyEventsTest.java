package dev.virtgate.migration;

import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.hamcrest.Matchers.is;

/**
 * The policy reaches the agents as a signed ClusterPolicyChanged on virtgate.hosts: on every PUT (a
 * higher revision each time) and again when a host registers in the cluster (the same revision).
 */
@QuarkusTest
class PolicyEventsTest {
    static final String CE_TYPE = "virtgate.cluster.policy-changed.v1";
    private static final EventVerifier VERIFIER = new EventVerifier(TrustAnchors.of(List.of(TestTrust.CA.certificate())));

    @Test
    void aPutEmitsASignedClusterPolicyChanged() {
        String cluster = Fleet.unique("pe");
        Instant before = Instant.now();
        ExtractableResponse<Response> put = put(cluster, Map.of("mode", "ALLOW_SASL_FALLBACK"));
        assertThat(put.<Integer>path("revision")).isEqualTo(1);
        assertThat(put.<Boolean>path("saslOnTls")).isTrue();

        ConsumerRecord<String, byte[]> record = awaitPolicyEvents(cluster, 1).get(0);
        assertThat(record.key()).isEqualTo(cluster);
        ClusterPolicyChanged event = verified(record);
        assertThat(event.clusterId()).isEqualTo(cluster);
        assertThat(event.mode()).isEqualTo(PolicyMode.ALLOW_SASL_FALLBACK);
        assertThat(event.windowExpiresAt()).isNull();
        assertThat(event.saslOnTls()).isTrue();
        assertThat(event.revision()).isEqualTo(1);
        assertThat(event.changedAt()).isBetween(before, Instant.now())
                .isCloseTo(Instant.parse(put.path("updatedAt")), within(1, ChronoUnit.MILLIS));
        assertThat(event.tcpAllowed(Instant.now())).isTrue();
        assertThat(event.agentTlsProxyOn()).isFalse();
    }

    @Test
    void theAgentsLearnWhenTheClusterOptsInToTheirTlsProxy() {
        String cluster = Fleet.unique("pe");
        put(cluster, Map.of("mode", "REQUIRE_TLS", "agentTlsProxy", true));
        put(cluster, Map.of("mode", "REQUIRE_TLS"));
        List<ClusterPolicyChanged> events = awaitPolicyEvents(cluster, 2).stream().map(PolicyEventsTest::verified)
                .toList();
        assertThat(events).extracting(ClusterPolicyChanged::agentTlsProxy).containsExactly(true, false);
    }

    @Test
    void everyPutRaisesTheRevisionAndSaslOnTlsCanBeTurnedOff() {
        String cluster = Fleet.unique("pe");
        put(cluster, Map.of("mode", "REQUIRE_TLS"));
        Instant until = Instant.now().plus(Duration.ofHours(2)).truncatedTo(ChronoUnit.SECONDS);
        ExtractableResponse<Response> second = put(cluster,
                Map.of("mode", "UPGRADE_WINDOW", "windowExpiresAt", until.toString(), "saslOnTls", false));
        assertThat(second.<Integer>path("revision")).isEqualTo(2);
        assertThat(second.<Boolean>path("saslOnTls")).isFalse();
        Fleet.viewer().get("/v1/clusters/" + cluster + "/policy").then().statusCode(200)
                .body("saslOnTls", is(false)).body("revision", is(2));
        assertThat(put(cluster, Map.of("mode", "REQUIRE_TLS")).<Boolean>path("saslOnTls")).isTrue();

        List<ClusterPolicyChanged> events = awaitPolicyEvents(cluster, 3).stream().map(PolicyEventsTest::verified)
                .toList();
        assertThat(events).extracting(ClusterPolicyChanged::revision).containsExactly(1L, 2L, 3L);
        assertThat(events).extracting(ClusterPolicyChanged::saslOnTls).containsExactly(true, false, true);
        ClusterPolicyChanged window = events.get(1);
        assertThat(window.mode()).isEqualTo(PolicyMode.UPGRADE_WINDOW);
        assertThat(window.windowExpiresAt()).isEqualTo(until);
        assertThat(window.tcpAllowed(Instant.now())).isTrue();
        assertThat(window.tcpAllowed(until)).isFalse();
        assertThat(events.get(2).tcpAllowed(Instant.now())).isFalse();
    }

    @Test
    void aRefusedPutStoresAndSendsNothing() {
        String cluster = Fleet.unique("pe");
        Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW")).put("/v1/clusters/" + cluster + "/policy").then()
                .statusCode(422);
        Fleet.operator().body(Map.of("mode", "UPGRADE_WINDOW", "saslOnTls", false))
                .put("/v1/clusters/" + cluster + "/policy").then().statusCode(422);
        Fleet.viewer().get("/v1/clusters/" + cluster + "/policy").then()
                .body("revision", is(0)).body("saslOnTls", is(true));
        // A good PUT after them: the outbox relays in commit order, so anything they wrote would come first.
        put(cluster, Map.of("mode", "REQUIRE_TLS"));
        List<ConsumerRecord<String, byte[]>> records = awaitPolicyEvents(cluster, 1);
        assertThat(records).hasSize(1);
        assertThat(verified(records.get(0)).revision()).isEqualTo(1);
    }

    @Test
    void registeringAHostSendsTheClusterPolicyAgain() {
        String cluster = Fleet.unique("pe");
        put(cluster, Map.of("mode", "ALLOW_SASL_FALLBACK", "saslOnTls", false));
        ClusterPolicyChanged original = verified(awaitPolicyEvents(cluster, 1).get(0));

        Fleet.register(cluster);
        List<ConsumerRecord<String, byte[]>> records = awaitPolicyEvents(cluster, 2);
        assertThat(records).hasSize(2);
        ClusterPolicyChanged again = verified(records.get(1));
        assertThat(again).isEqualTo(original);
        assertThat(again.revision()).isEqualTo(1);
        assertThat(again.saslOnTls()).isFalse();
        assertThat(Bus.headers(records.get(1)).get("ce_id")).isNotEqualTo(Bus.headers(records.get(0)).get("ce_id"));
    }

    @Test
    void registeringAHostInAClusterWithoutPolicySendsNone() {
        String cluster = Fleet.unique("pe");
        Fleet.register(cluster);
        put(cluster, Map.of("mode", "REQUIRE_TLS"));
        List<ConsumerRecord<String, byte[]>> records = awaitPolicyEvents(cluster, 1);
        assertThat(records).hasSize(1);
        assertThat(verified(records.get(0)).revision()).isEqualTo(1);
    }

    private static ExtractableResponse<Response> put(String cluster, Map<String, Object> body) {
        return Fleet.operator().body(body).put("/v1/clusters/" + cluster + "/policy").then().statusCode(200)
                .extract();
    }

    /** The cluster's ClusterPolicyChanged records, once at least {@code atLeast} are on the topic. */
    static List<ConsumerRecord<String, byte[]>> awaitPolicyEvents(String cluster, int atLeast) {
        return Awaitility.await(atLeast + " ClusterPolicyChanged for " + cluster).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> Bus.read(Topics.HOSTS, r -> cluster.equals(r.key()) && CE_TYPE.equals(Bus.ceType(r))),
                        l -> l.size() >= atLeast);
    }

    /** Decodes the record and checks it as an agent does: signed by migration-service under the published CA. */
    static ClusterPolicyChanged verified(ConsumerRecord<String, byte[]> record) {
        ClusterPolicyChanged event = Bus.decode(record, ClusterPolicyChanged.class);
        Map<String, String> headers = Bus.headers(record);
        Producer producer = VERIFIER.verify(EventEnvelope.fromHeaders(headers), headers, record.value(), event);
        assertThat(producer).isEqualTo(Producer.service("migration-service"));
        return event;
    }
}
