package dev.virtgate.migration.cloud;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import org.apache.kafka.clients.consumer.ConsumerRecord;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.InvalidEventException;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.migration.Bus;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TrustFixture;
import org.awaitility.Awaitility;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Plays an external cloud with plain Kafka clients: its own CA (to issue API client certificates and
 * a CRL), the principal external-cloud that writes requests, the principal cloud-observer that reads
 * the public stream.
 */
final class ExternalCloud {
    private static final EventCodec CODEC = new EventCodec();
    final String name;
    final TestCa ca;
    private long crlNumber;

    /** An API client: its key and certificate, signing requests as the cloud would. */
    record Client(KeyPair key, X509Certificate certificate) {
        TestProducer producer() {
            return TestProducer.withKey("/cloud/" + certificate.getSerialNumber(), key, List.of(certificate));
        }

        String subjectDn() {
            return certificate.getSubjectX500Principal().getName();
        }
    }

    ExternalCloud(String name) {
        this.name = name;
        ca = new TestCa(name + " CA");
    }

    /** An API client certificate with the URI SAN {@code urn:virtgate:role:<role>}, as pki-service issues. */
    Client client(String cn, String role) {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf(key.getPublic()).subject("CN=" + cn + ",OU=api-clients,O=virtgate")
                .uri("urn:virtgate:role:" + role).validity(Duration.ofDays(30)).issue();
        return new Client(key, cert);
    }

    String crlPem(X509Certificate... revoked) {
        List<BigInteger> serials = Arrays.stream(revoked).map(X509Certificate::getSerialNumber).toList();
        return TestCa.pem(ca.crl(++crlNumber, serials, Instant.now().plus(Duration.ofDays(1)).minusSeconds(60)));
    }

    /** Sends a signed event as principal external-cloud; returns the signed form (its ce_id). */
    static TestProducer.Signed send(TestProducer.Signed signed) {
        send(signed.envelope().subject(), signed.headers(), signed.payload());
        return signed;
    }

    static void send(String key, Map<String, String> headers, byte[] payload) {
        Bus.publishRaw(KafkaServer.shared().clientConfig(BusAccess.EXTERNAL_CLOUD), Topics.CLOUD_REQUESTS, key, headers,
                payload);
    }

    /** Everything on the public stream now that matches, read as principal cloud-observer. */
    static List<ConsumerRecord<String, byte[]>> observe(Predicate<ConsumerRecord<String, byte[]>> filter) {
        return Bus.read(KafkaServer.shared().clientConfig(BusAccess.CLOUD_OBSERVER), BusAccess.CLOUD_OBSERVER + "-test-",
                Topics.PUBLIC, filter);
    }

    static String header(ConsumerRecord<?, ?> record, String name) {
        var h = record.headers().lastHeader(name);
        return h == null ? null : new String(h.value(), StandardCharsets.UTF_8);
    }

    static boolean is(ConsumerRecord<?, ?> record, Class<? extends Event> type) {
        return dev.virtgate.contracts.EventType.of(type).ceType().equals(header(record, "ce_type"));
    }

    /** The records of one type on the public stream with this key. */
    static List<ConsumerRecord<String, byte[]>> publicOf(String key, Class<? extends Event> type) {
        return ExternalCloud.observe(r -> key.equals(r.key()) && ExternalCloud.is(r, type));
    }

    static List<ConsumerRecord<String, byte[]>> awaitPublic(String key,
            Class<? extends Event> type, int atLeast) {
        return Awaitility.await(atLeast + " " + type.getSimpleName() + " for " + key).atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).until(() -> publicOf(key, type), l -> l.size() >= atLeast);
    }

    static <T extends Event> T decode(ConsumerRecord<String, byte[]> record,
            Class<T> type) {
        return CODEC.decode(type, record.value());
    }

    /** Verifies a public event as a cloud would, against the published CA bundle; returns its producer. */
    static Producer verify(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = Bus.headers(record);
        EventEnvelope envelope = EventEnvelope.fromHeaders(headers);
        try {
            return new EventVerifier(TrustFixture.publishedAnchors(OpenBaoServer.shared())).verify(envelope, headers,
                    record.value(), CODEC.decode(envelope.type(), record.value()));
        } catch (InvalidEventException e) {
            throw new AssertionError(e.getMessage(), e);
        }
    }
}
