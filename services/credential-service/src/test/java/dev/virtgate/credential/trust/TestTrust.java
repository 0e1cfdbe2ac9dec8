package dev.virtgate.credential.trust;

import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import dev.virtgate.testsupport.trust.TrustFixture;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The CA of this test JVM: it stands in for pki-service (credential-service runs without it). It is
 * published into the shared OpenBao as the CA bundle, its Transit signer certificates included, and
 * it issues every simulated host's certificate and the in-memory signers of migration-service and
 * pki-service.
 */
public final class TestTrust {
    public static final TestCa CA = new TestCa("virtgate-test-ca");
    private static final Map<String, TestProducer> HOSTS = new ConcurrentHashMap<>();
    private static volatile TestProducer migrationService;
    private static volatile TestProducer pkiService;
    private static boolean published;

    /** Publishes the CA and certifies every service's Transit key, once per JVM. */
    public static synchronized void ensurePublished() {
        if (!published) {
            publish();
        }
    }

    /** Publishes again: after the in-memory OpenBao restarted empty. */
    public static synchronized void publish() {
        TrustFixture.publish(OpenBaoServer.shared(), CA);
        published = true;
    }

    public static TestProducer migrationService() {
        if (migrationService == null) {
            migrationService = TestProducer.issuedBy(CA, Producer.service(EventAuthorization.MIGRATION_SERVICE));
        }
        return migrationService;
    }

    /** pki-service's signer, for the CertIssued and CertRevoked it would publish. */
    public static TestProducer pkiService() {
        if (pkiService == null) {
            pkiService = TestProducer.issuedBy(CA, Producer.service(EventAuthorization.PKI_SERVICE));
        }
        return pkiService;
    }

    /** The host's agent: one key and certificate per host id for the JVM's lifetime. */
    public static TestProducer host(String hostId) {
        return HOSTS.computeIfAbsent(hostId, h -> TestProducer.issuedBy(CA, Producer.host(h)));
    }

    /** Trusts exactly {@link #CA}: what agents verify the service's events against. */
    public static TrustAnchors anchors() {
        return TrustAnchors.of(List.of(CA.certificate()));
    }

    private TestTrust() {
    }
}
