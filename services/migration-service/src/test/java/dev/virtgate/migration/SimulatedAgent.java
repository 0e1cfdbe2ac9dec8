package dev.virtgate.migration;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EnrollmentKey;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestProducer;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * One host's agent as the service sees it on the bus: a host key, a CSR for it, the enrollment proof
 * made with the operator's token, and the certificate pki-service issues for the key (from
 * {@link TestTrust#CA}), with which the agent signs its reports.
 */
public final class SimulatedAgent {
    private final String hostId;
    private final String clusterId;
    private final String fqdn;
    private final KeyPair key = TestCa.ecKey();
    private final String csrPem;
    private volatile X509Certificate certificate;
    private volatile TestProducer signer;

    public SimulatedAgent(String hostId, String clusterId, String fqdn) {
        this.hostId = hostId;
        this.clusterId = clusterId;
        this.fqdn = fqdn;
        this.csrPem = TestCsr.forKey(key).subject("CN=" + fqdn + ",OU=" + clusterId + ",O=virtgate").pem();
        issue();
    }

    /** HostEnrolled with the proof the token makes, signed by the CSR's key (no certificate yet). */
    public TestProducer.Signed enrolled(String token, HostCapabilities capabilities) {
        String proof = EnrollmentKey.fromToken(hostId, token).prove(hostId, clusterId, fqdn, csrPem);
        return TestProducer.withKey("/virtgate/agent/" + hostId, key, null)
                .sign(new HostEnrolled(hostId, clusterId, fqdn, csrPem, proof, capabilities));
    }

    /** What pki-service publishes for the current certificate. */
    public CertIssued certIssued(String reason) {
        X509Certificate cert = certificate;
        String pem = TestCa.pem(cert);
        return new CertIssued(hostId, clusterId, serial(), "CN=" + fqdn + ",OU=" + clusterId + ",O=virtgate",
                "O=virtgate,OU=" + clusterId + ",CN=" + fqdn, pem, List.of(), List.of(TestTrust.CA.pem()),
                cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant(), reason);
    }

    /** A renewal: a new certificate (new serial) for the host key; the agent signs with it from now on. */
    public String renew() {
        issue();
        return serial();
    }

    public String serial() {
        return certificate.getSerialNumber().toString(16);
    }

    public Instant certNotAfter() {
        return certificate.getNotAfter().toInstant();
    }

    /** The agent's signing identity: its host key and the certificate pki-service issued for it. */
    public TestProducer producer() {
        return signer;
    }

    private void issue() {
        certificate = TestTrust.CA.issue(fqdn, key.getPublic(), Producer.host(hostId).uri(), Duration.ofDays(30));
        signer = TestProducer.withKey("/virtgate/agent/" + hostId, key, List.of(certificate));
    }
}
