package dev.virtgate.e2e.lab;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostDecommissioned;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestProducer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

/**
 * The bus attacker of the end-to-end proof: write access to Kafka and nothing else (a foreign CA of
 * its own, replays of genuine events), and in one row root on one hypervisor (its host key and
 * certificate). Each attack runs against the live lab and services; what must hold is checked on
 * the hosts' files and the services' APIs after the forged event reached the consumer's dead-letter
 * topic, so nothing is judged by a timeout alone.
 */
final class BusAttacks {
    private static final ObjectMapper JSON = dev.virtgate.contracts.EventCodec.newObjectMapper();
    private static final Duration REFUSAL = Duration.ofSeconds(60);

    record Row(String attack, String mustHold, String observed) {
        String markdown() {
            return "| " + attack + " | " + mustHold + " | " + observed + " |";
        }
    }

    private final String kafka;
    private final EventBus.Recorder bus;
    private final TestCa foreignCa = new TestCa("virtgate CA");
    private final TestProducer foreignPki = TestProducer.issuedBy(foreignCa, Producer.service("pki-service"));
    private final List<Row> rows = new ArrayList<>();

    BusAttacks(String kafka, EventBus.Recorder bus) {
        this.kafka = kafka;
        this.bus = bus;
    }

    List<Row> rows() {
        return rows;
    }

    static List<String> deadLetterTopics() {
        return Topics.CONSUMERS.stream().map(Topics::deadLetter).toList();
    }

    /** Refused: the forged record with this ce_id reached {@code service}'s dead-letter topic. */
    String refusedBy(String service, TestProducer.Signed forged) {
        String id = forged.envelope().id();
        EventBus.Seen dead = bus.await(forged.envelope().type().ceType(),
                s -> s.topic().equals(Topics.deadLetter(service)) && id.equals(s.headers().get("ce_id")), REFUSAL);
        String reason = dead.headers().getOrDefault("dead-letter-reason", "?");
        return service + " dead-lettered it: " + (reason.length() > 140 ? reason.substring(0, 140) + "..." : reason);
    }

    void record(String attack, String mustHold, String observed) {
        rows.add(new Row(attack, mustHold, observed));
    }

    /** A genuine CertIssued replayed with the attacker's CA appended, and the same re-signed by the attacker's "pki-service". */
    TestProducer.Signed[] replayWithExtraCa(EventBus.Seen genuine) {
        try {
            ObjectNode payload = (ObjectNode) JSON.readTree(genuine.payload());
            payload.withArray("caBundlePem").add(foreignCa.pem());
            byte[] altered = JSON.writeValueAsBytes(payload);
            TestProducer.Signed replayed = new TestProducer.Signed(
                    dev.virtgate.contracts.EventEnvelope.fromHeaders(genuine.headers()), genuine.headers(), altered);
            replayed.publish(kafka);
            CertIssued asEvent = JSON.readValue(altered, CertIssued.class);
            TestProducer.Signed resigned = foreignPki.sign(asEvent);
            resigned.publish(kafka);
            return new TestProducer.Signed[] {replayed, resigned};
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A peer certificate from the attacker's CA, announced by the attacker's "pki-service". */
    TestProducer.Signed forgedPeer(String clusterId, String ghost) {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = foreignCa.issue(ghost + ".lab.virtgate.test", key.getPublic(),
                Producer.host(ghost).uri(), Duration.ofDays(1));
        Instant now = Instant.now();
        CertIssued e = new CertIssued(ghost, clusterId, cert.getSerialNumber().toString(16),
                cert.getSubjectX500Principal().getName(), "C=XX,O=virtgate,OU=" + clusterId + ",CN=" + ghost
                        + ".lab.virtgate.test", TestCa.pem(cert), List.of(), List.of(foreignCa.pem()), now,
                now.plus(Duration.ofDays(1)), "ENROLLMENT");
        return publish(foreignPki.sign(e));
    }

    /** Raw bytes: an empty {@code acceptedUsernames} breaks the schema, so no producer would encode it. */
    TestProducer.Signed forgedWipeOfSaslUsers(String clusterId) {
        CredentialRotated e = new CredentialRotated(clusterId, UUID.randomUUID().toString(), "virtgate-v99", 99,
                "secret/data/virtgate/clusters/" + clusterId + "/libvirt-sasl", 99, CredentialPhase.RETIRED,
                null, null, List.of("virtgate-v99"));
        try {
            ObjectNode payload = JSON.valueToTree(e);
            payload.putArray("acceptedUsernames");
            var envelope = dev.virtgate.contracts.EventEnvelope.of("/virtgate/credential-service", e);
            TestProducer.Signed raw = new TestProducer.Signed(envelope, envelope.headers(),
                    JSON.writeValueAsBytes(payload));
            raw.publish(kafka);
            return raw;
        } catch (IOException ex) {
            throw new UncheckedIOException(ex);
        }
    }

    TestProducer.Signed forgedDecommission(String hostId, String clusterId) {
        return publishUnsigned("/virtgate/migration-service", new HostDecommissioned(hostId, clusterId, "forged",
                "mallory"));
    }

    /** Root on {@code peer}: its own host key and certificate sign a posture report about {@code victim}. */
    TestProducer.Signed peerSpeaksFor(KeyPair peerKey, X509Certificate peerCert, String victim, String clusterId) {
        Instant future = Instant.parse("2099-01-01T00:00:00Z");
        HostConfigured e = new HostConfigured(victim, clusterId, "00", future, null, null, null, true, true, true,
                List.of(new PostureCheck("forged", CheckStatus.PASS, null)), null, future);
        return publish(TestProducer.withKey("/virtgate/host-agent/" + victim, peerKey, List.of(peerCert)).sign(e));
    }

    TestProducer.Signed[] forgedEnrollment(String ghost, String clusterId) throws Exception {
        String fqdn = ghost + ".lab.virtgate.test";
        KeyPair key = TestCa.ecKey();
        String csr = TestCsr.pem(key, fqdn, List.of(fqdn), List.of("198.18.42.99"));
        TestProducer.Signed registered = publishUnsigned("/virtgate/migration-service", new HostRegistered(ghost,
                clusterId, fqdn, List.of(fqdn), List.of("198.18.42.99"), List.of(),
                dev.virtgate.contracts.trust.EnrollmentKey.fromToken(ghost, "g".repeat(43)).publicKey(),
                Instant.now().plus(Duration.ofHours(1))));
        HostEnrolled enrolled = new HostEnrolled(ghost, clusterId, fqdn, csr,
                dev.virtgate.contracts.trust.EnrollmentKey.fromToken(ghost, "g".repeat(43)).prove(ghost, clusterId,
                        fqdn, csr),
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of(), List.of("tls:16514"),
                        UUID.randomUUID().toString(), "forged"));
        TestProducer.Signed enrollment = publish(TestProducer.withKey("/virtgate/host-agent/" + ghost, key, null)
                .sign(enrolled));
        return new TestProducer.Signed[] {registered, enrollment};
    }

    /** Every record seen on every topic, headers and payload, searched for each token handed out. */
    String tokensOnTheBus(List<String> tokens, List<String> ceTypes) {
        long records = 0;
        for (String type : ceTypes) {
            for (EventBus.Seen s : bus.all(type)) {
                records++;
                for (String token : tokens) {
                    if (s.payload().contains(token) || s.headers().values().stream().anyMatch(v -> v.contains(token))) {
                        return "token found in " + type + " on " + s.topic();
                    }
                }
            }
        }
        return records + " records searched, no token";
    }

    static byte[] bytes(Path file) {
        try {
            return Files.exists(file) ? Files.readAllBytes(file) : new byte[0];
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static boolean same(byte[] a, byte[] b) {
        return Arrays.equals(a, b);
    }

    private TestProducer.Signed publish(TestProducer.Signed signed) {
        signed.publish(kafka);
        return signed;
    }

    private TestProducer.Signed publishUnsigned(String source, Event event) {
        TestProducer.Signed unsigned = TestProducer.withKey(source, TestCa.ecKey(), null).sign(event)
                .withHeader(dev.virtgate.contracts.trust.EventSignatures.SIGNATURE, null);
        unsigned.publish(kafka);
        return unsigned;
    }

}
