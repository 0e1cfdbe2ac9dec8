package dev.virtgate.migration.cloud;

import dev.virtgate.contracts.BusAccess;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLReason;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CRLConverter;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

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
import java.security.SecureRandom;
import java.security.cert.X509CRL;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/**
 * Plays an external cloud with plain Kafka clients: its own CA (to issue API client certificates and
 * a CRL), the principal external-cloud that writes requests, the principal cloud-observer that reads
 * the public stream.
 */
final class ExternalCloud {
    private static final EventCodec CODEC = new EventCodec();
    private static final SecureRandom RANDOM = new SecureRandom();
    final String name;
    private final KeyPair caKey = TestCa.ecKey();
    final X509Certificate ca;

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
        X500Name subject = new X500Name("CN=" + name + " CA,O=virtgate-test");
        ca = build(subject, caKey, subject, null, true);
    }

    /** An API client certificate with the URI SAN {@code urn:virtgate:role:<role>}, as pki-service issues. */
    Client client(String cn, String role) {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = build(new X500Name("CN=" + cn + ",OU=api-clients,O=virtgate"), key,
                X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()), "urn:virtgate:role:" + role, false);
        return new Client(key, cert);
    }

    String crlPem(X509Certificate... revoked) {
        try {
            Instant now = Instant.now();
            X509v2CRLBuilder crl = new X509v2CRLBuilder(X500Name.getInstance(ca.getSubjectX500Principal().getEncoded()),
                    Date.from(now.minusSeconds(60)));
            crl.setNextUpdate(Date.from(now.plus(Duration.ofDays(1))));
            for (X509Certificate c : revoked) {
                crl.addCRLEntry(c.getSerialNumber(), Date.from(now.minusSeconds(30)), CRLReason.keyCompromise);
            }
            X509CRL signed = new JcaX509CRLConverter().getCRL(crl.build(
                    new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
            return TestCa.pem(signed);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Sends a signed event as principal external-cloud; returns the signed form (its ce_id). */
    static TestProducer.Signed send(TestProducer.Signed signed) {
        send(signed.envelope().subject(), signed.headers(), signed.payload());
        return signed;
    }

    static void send(String key, Map<String, String> headers, byte[] payload) {
        Map<String, Object> config = KafkaServer.shared().clientConfig(BusAccess.EXTERNAL_CLOUD);
        try (KafkaProducer<String, byte[]> producer = new KafkaProducer<>(config, new StringSerializer(),
                new ByteArraySerializer())) {
            ProducerRecord<String, byte[]> record = new ProducerRecord<>(Topics.CLOUD_REQUESTS, key, payload);
            headers.forEach((k, v) -> record.headers().add(k, v.getBytes(StandardCharsets.UTF_8)));
            producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Everything on the public stream now that matches, read as principal cloud-observer. */
    static List<ConsumerRecord<String, byte[]>> observe(Predicate<ConsumerRecord<String, byte[]>> filter) {
        Map<String, Object> config = new java.util.HashMap<>(KafkaServer.shared().clientConfig(BusAccess.CLOUD_OBSERVER));
        config.put(ConsumerConfig.GROUP_ID_CONFIG, BusAccess.CLOUD_OBSERVER + "-test-" + UUID.randomUUID());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, "false");
        List<ConsumerRecord<String, byte[]>> matches = new ArrayList<>();
        try (KafkaConsumer<String, byte[]> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                new ByteArrayDeserializer())) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.PUBLIC, Duration.ofSeconds(10)).stream()
                    .map(p -> new TopicPartition(Topics.PUBLIC, p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(200))) {
                    if (filter.test(record)) {
                        matches.add(record);
                    }
                }
            }
        }
        return matches;
    }

    private X509Certificate build(X500Name subject, KeyPair subjectKey, X500Name issuer, String uri, boolean isCa) {
        try {
            Instant now = Instant.now();
            var builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(127, RANDOM).add(BigInteger.ONE),
                    Date.from(now.minusSeconds(300)), Date.from(now.plus(Duration.ofDays(30))), subject,
                    subjectKey.getPublic());
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(isCa));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(isCa
                    ? KeyUsage.keyCertSign | KeyUsage.cRLSign | KeyUsage.digitalSignature : KeyUsage.digitalSignature));
            if (uri != null) {
                builder.addExtension(Extension.subjectAlternativeName, false,
                        new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
            }
            return new JcaX509CertificateConverter().getCertificate(
                    builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(caKey.getPrivate())));
        } catch (Exception e) {
            throw new IllegalStateException("cannot build test certificate", e);
        }
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
