package dev.virtgate.migration;

import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import io.quarkus.test.junit.QuarkusTest;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Whether a whole cluster can migrate over native TLS reaches the agents as a signed
 * ClusterTlsReadinessChanged (what Nova's live_migration_with_native_tls follows): true only once
 * every active host is TLS-ready with native TLS, false again as soon as one is not.
 */
@QuarkusTest
class ClusterTlsReadinessTest {
    static final String CE_TYPE = "virtgate.cluster.tls-readiness-changed.v1";
    private static final EventVerifier VERIFIER = new EventVerifier(TrustAnchors.of(List.of(TestTrust.CA.certificate())));

    @Test
    void trueOnlyOnceEveryActiveHostCanMigrateOverNativeTls() {
        String cluster = Fleet.unique("rd");
        Fleet.Host a = Fleet.register(cluster);
        Fleet.Host b = Fleet.register(cluster);
        Fleet.makeTlsReady(a, true);
        assertThat(latest(cluster, e -> e.nativeTlsHosts() == 1).nativeTlsEverywhere()).isFalse();

        Fleet.makeTlsReady(b, true);
        ClusterTlsReadinessChanged ready = latest(cluster, ClusterTlsReadinessChanged::nativeTlsEverywhere);
        assertThat(ready.hosts()).isEqualTo(2);
        assertThat(ready.nativeTlsHosts()).isEqualTo(2);

        Fleet.Host c = Fleet.register(cluster); // a host not upgraded yet: the cluster is half upgraded again
        ClusterTlsReadinessChanged half = latest(cluster, e -> e.hosts() == 3);
        assertThat(half.nativeTlsEverywhere()).isFalse();
        assertThat(half.revision()).isGreaterThan(ready.revision());

        Fleet.operator().delete("/v1/hosts/" + c.id()).then().statusCode(204);
        assertThat(latest(cluster, e -> e.hosts() == 2).nativeTlsEverywhere()).isTrue();

        Fleet.revoke(a);
        ClusterTlsReadinessChanged revoked = latest(cluster, e -> e.nativeTlsHosts() == 1);
        assertThat(revoked.nativeTlsEverywhere()).isFalse();
    }

    @Test
    void aHostWithoutNativeTlsKeepsTheClusterOff() {
        String cluster = Fleet.unique("rd");
        Fleet.Host a = Fleet.register(cluster);
        Fleet.Host b = Fleet.register(cluster);
        Fleet.makeTlsReady(a, true);
        Fleet.makeTlsReady(b, false); // TLS-ready, but its QEMU cannot encrypt the stream itself
        ClusterTlsReadinessChanged last = latest(cluster, e -> e.nativeTlsHosts() == 1 && e.hosts() == 2);
        assertThat(last.nativeTlsEverywhere()).isFalse();
        assertThat(events(cluster)).noneMatch(ClusterTlsReadinessChanged::nativeTlsEverywhere);
    }

    private static ClusterTlsReadinessChanged latest(String cluster,
            java.util.function.Predicate<ClusterTlsReadinessChanged> condition) {
        return Awaitility.await("ClusterTlsReadinessChanged for " + cluster).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(200))
                .until(() -> {
                    List<ClusterTlsReadinessChanged> all = events(cluster);
                    return all.isEmpty() ? null : all.get(all.size() - 1);
                }, e -> e != null && condition.test(e));
    }

    private static List<ClusterTlsReadinessChanged> events(String cluster) {
        List<ClusterTlsReadinessChanged> events = Bus.read(Topics.HOSTS,
                r -> cluster.equals(r.key()) && CE_TYPE.equals(Bus.ceType(r))).stream()
                .map(ClusterTlsReadinessTest::verified).toList();
        for (int i = 1; i < events.size(); i++) {
            assertThat(events.get(i).revision()).isEqualTo(events.get(i - 1).revision() + 1);
        }
        return events;
    }

    private static ClusterTlsReadinessChanged verified(ConsumerRecord<String, byte[]> record) {
        ClusterTlsReadinessChanged event = Bus.decode(record, ClusterTlsReadinessChanged.class);
        Map<String, String> headers = Bus.headers(record);
        Producer producer = VERIFIER.verify(EventEnvelope.fromHeaders(headers), headers, record.value(), event);
        assertThat(producer).isEqualTo(Producer.service("migration-service"));
        return event;
    }
}
