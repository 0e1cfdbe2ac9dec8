package dev.virtgate.migration;

import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import dev.virtgate.testsupport.trust.TrustFixture;

/**
 * The trust pki-service would publish, for a service that runs without it: a CA in the test's
 * memory as the bundle, a signer certificate for each service's Transit key, and pki-service's own
 * signing identity for the CertIssued and CertRevoked the tests play.
 */
public final class TestTrust {
    public static final TestCa CA = new TestCa("virtgate-test-ca");
    private static final TestProducer PKI = TestProducer.issuedBy(CA, Producer.service("pki-service"));
    private static boolean published;

    /** Publishes the CA once (before the application needs it: registration answers its fingerprint). */
    public static synchronized void publish() {
        if (!published) {
            republish();
        }
    }

    /** Publishes again, e.g. into an OpenBao that restarted empty. */
    public static synchronized void republish() {
        TrustFixture.publish(OpenBaoServer.shared(), CA);
        published = true;
    }

    /** pki-service, signing with a certificate of the published CA. */
    public static TestProducer pki() {
        return PKI;
    }

    private TestTrust() {
    }
}
