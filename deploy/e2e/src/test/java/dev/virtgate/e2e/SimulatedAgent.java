package dev.virtgate.e2e;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import dev.virtgate.testsupport.trust.TestProducer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * A host agent played on the real bus for tests across processes: it enrolls with the proof its
 * one-time token makes, takes the certificate pki-service issues for its key, and then publishes
 * what a real agent publishes, signed with that key and certificate.
 */
record SimulatedAgent(String hostId, String cluster, String fqdn, KeyPair key, CertIssued certificate,
        List<X509Certificate> chain) {

    /** HostEnrolled for a registered host: a fresh key, a CSR naming {@code fqdn} and {@code address}, the token's proof. */
    static SimulatedAgent enroll(String hostId, String cluster, String fqdn, String address, String token)
            throws Exception {
        KeyPair key = TestKeys.p256();
        String csr = TestCsr.pem(key, fqdn, List.of(fqdn), List.of(address));
        HostEnrolled enrolled = new HostEnrolled(hostId, cluster, fqdn, csr,
                EnrollmentKey.fromToken(hostId, token).prove(hostId, cluster, fqdn, csr),
                new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("scram-sha-256"), List.of("tls:16514"),
                        UUID.randomUUID().toString(), "e2e"));
        TestProducer.withKey("/virtgate/host-agent/" + hostId, key, null).publish(KafkaResource.bootstrapServers(), enrolled);
        return new SimulatedAgent(hostId, cluster, fqdn, key, null, List.of());
    }

    /** The agent once pki-service's CertIssued for it is on the bus. */
    SimulatedAgent certified(EventBus.Recorder bus, Duration within) {
        EventBus.Seen issued = bus.await("virtgate.pki.cert-issued.v1", s -> hostId.equals(s.key()), within);
        CertIssued cert = new EventCodec().decode(CertIssued.class, issued.payload().getBytes(StandardCharsets.UTF_8));
        List<X509Certificate> chain = new ArrayList<>();
        chain.add(x509(cert.certificatePem()));
        if (cert.chainPem() != null) {
            cert.chainPem().stream().filter(pem -> !pem.equals(cert.certificatePem())).forEach(pem -> chain.add(x509(pem)));
        }
        return new SimulatedAgent(hostId, cluster, fqdn, key, cert, List.copyOf(chain));
    }

    /** HostConfigured with the certificate in force, native TLS on and one posture check of {@code status}. */
    void reportPosture(CheckStatus status) {
        publish(new HostConfigured(hostId, cluster, certificate.serial(), chain.get(0).getNotAfter().toInstant(),
                "rot-1", 1, CredentialPhase.ACTIVE, true, true, true,
                List.of(new PostureCheck("unauthenticated-tcp-refused", status, null)), null, Instant.now()));
    }

    /** The host's certificate, once {@link #certified}. */
    X509Certificate cert() {
        return chain.isEmpty() ? null : chain.get(0);
    }

    /** Signed with the host's key, its certificate chain attached. */
    void publish(Event event) {
        TestProducer.withKey("/virtgate/host-agent/" + hostId, key, chain).publish(KafkaResource.bootstrapServers(), event);
    }

    static X509Certificate x509(String pem) {
        try {
            return (X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(pem.getBytes(StandardCharsets.US_ASCII)));
        } catch (CertificateException e) {
            throw new IllegalStateException(e);
        }
    }
}
