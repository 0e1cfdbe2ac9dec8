package dev.virtgate.e2e;

import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestKeys;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.awaitility.Awaitility;

import javax.security.auth.x500.X500Principal;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/** A CA standing in for virtgate's, issuing host certificates as pki-service does (subject, SANs). */
final class HostCertificates {
    private final TestCa ca;
    private final KafkaServer kafka;

    /** An agent's login on the mTLS listener with one host certificate. */
    record Host(String fqdn, String clusterId, String hostId, Map<String, Object> config) {
    }

    HostCertificates(String name, KafkaServer kafka) {
        this.ca = new TestCa(name);
        this.kafka = kafka;
    }

    /** A new CA the broker trusts (alone) for host certificates, as pki-service would make it. */
    static HostCertificates trusted(KafkaServer kafka) {
        HostCertificates certificates = new HostCertificates("virtgate bus test CA", kafka);
        kafka.trustHostCa(certificates.pem());
        return certificates;
    }

    String pem() {
        return ca.pem();
    }

    Host host(String fqdn, String clusterId, String hostId) {
        KeyPair key = TestKeys.p256();
        var certificate = ca.leaf(key.getPublic())
                .subject(new X500Principal("CN=" + fqdn + ",OU=" + clusterId + ",O=virtgate"))
                .dns(fqdn).uri(Producer.host(hostId).uri()).clientAuth().serverAuth().issue();
        return new Host(fqdn, clusterId, hostId,
                kafka.hostClientConfig(TestKeys.pkcs8Pem(key.getPrivate()), TestCa.pem(certificate) + ca.pem()));
    }

    /** Waits until the broker applied trust and ACLs (both reach it through the metadata log). */
    static void awaitWrites(Host host) {
        Awaitility.await(host.fqdn() + " writes its reports").atMost(Duration.ofSeconds(60))
                .pollInterval(Duration.ofMillis(500)).ignoreExceptions().until(() -> {
                    try (KafkaProducer<String, byte[]> producer = BusAclIT.producer(host.config())) {
                        producer.send(new ProducerRecord<>(Topics.AGENT_REPORTS, host.hostId(), new byte[0]))
                                .get(15, TimeUnit.SECONDS);
                        return true;
                    }
                });
    }
}
