package dev.virtgate.e2e;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.KafkaServer;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.errors.SslAuthenticationException;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Per-host principals on the broker's mTLS listener: a certificate of a CA the broker does not trust
 * never gets in, a withdrawn host loses the bus although its certificate is still valid, and the
 * trust follows a CA change (pki-service's rotation).
 */
class HostBusIT {
    private static KafkaServer kafka;

    @BeforeAll
    static void broker() {
        kafka = KafkaServer.shared();
    }

    @Test
    void aCertificateOfAForeignCaCannotConnect() {
        HostCertificates virtgate = HostCertificates.trusted(kafka);
        HostCertificates.Host trusted = virtgate.host("h5.bus.test", "bus", "h5");
        kafka.grantHost("h5.bus.test", "bus", "h5");
        HostCertificates.awaitWrites(trusted);
        HostCertificates.Host forged = new HostCertificates("attacker CA", kafka).host("h5.bus.test", "bus", "h5");
        assertSslRefused(forged);
    }

    @Test
    void aWithdrawnHostCanNeitherProduceNorConsume() {
        HostCertificates.Host host = HostCertificates.trusted(kafka).host("h6.bus.test", "bus", "h6");
        kafka.grantHost("h6.bus.test", "bus", "h6");
        HostCertificates.awaitWrites(host);
        kafka.withdrawHost("h6.bus.test", "bus", "h6");
        Awaitility.await("h6 refused").atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
            try (KafkaProducer<String, byte[]> producer = BusAclIT.producer(host.config())) {
                BusAclIT.refused(producer, Topics.AGENT_REPORTS);
            }
        });
        try (KafkaConsumer<String, byte[]> consumer = BusAclIT.consumer(host.config(),
                BusAccess.AGENT_GROUP_PREFIX + "h6")) {
            consumer.subscribe(List.of(Topics.CREDENTIALS));
            assertThrows(org.apache.kafka.common.errors.AuthorizationException.class, () -> BusAclIT.pollFor(consumer));
        }
    }

    @Test
    void theTrustFollowsACaChange() {
        HostCertificates old = new HostCertificates("virtgate CA 1", kafka);
        HostCertificates next = new HostCertificates("virtgate CA 2", kafka);
        HostCertificates.Host before = old.host("h7.bus.test", "bus", "h7");
        HostCertificates.Host after = next.host("h7.bus.test", "bus", "h7");
        kafka.grantHost("h7.bus.test", "bus", "h7");
        kafka.trustHostCa(old.pem() + next.pem()); // during the rotation both are trusted
        HostCertificates.awaitWrites(before);
        HostCertificates.awaitWrites(after);
        kafka.trustHostCa(next.pem()); // the old CA leaves the bundle
        Awaitility.await("the old CA's certificate refused").atMost(Duration.ofSeconds(30))
                .untilAsserted(() -> assertSslRefused(before));
        HostCertificates.awaitWrites(after);
    }

    private static void assertSslRefused(HostCertificates.Host host) {
        Map<String, Object> config = new HashMap<>(host.config());
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 8000);
        try (KafkaProducer<String, byte[]> producer = BusAclIT.producer(config)) {
            Exception e = assertThrows(Exception.class, () -> producer.send(
                    new ProducerRecord<>(Topics.AGENT_REPORTS, host.hostId(), new byte[0])).get(15, TimeUnit.SECONDS));
            Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
            assertInstanceOf(SslAuthenticationException.class, cause, String.valueOf(e));
        }
    }
}
