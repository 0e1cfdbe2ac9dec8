package dev.virtgate.credential.bench;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.CredentialRotated;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.credential.agents.FleetEvents;
import dev.virtgate.credential.service.Stage;
import dev.virtgate.credential.trust.TestTrust;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.trust.TestProducer;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

import java.security.GeneralSecurityException;
import java.security.Provider;
import java.security.PublicKey;
import java.security.Signature;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;

/**
 * Per-event costs of the trust model, measured in this JVM with the code the service runs:
 * EventVerifier on host-signed acknowledgements (signer chain cached, as for every event of a host
 * after its first; and uncached, a host's first event), the JSON/schema decode next to it for scale,
 * and a Transit signature through the real OpenBao, which the service pays once per event it emits.
 */
final class TrustCosts {
    private static final EventCodec CODEC = new EventCodec();
    private static final Provider BC = new BouncyCastleProvider();
    private final double verifyCachedMs;
    private final double verifyFirstMs;
    private final double decodeMs;
    private final double jdkEcdsaMs;
    private final double bcEcdsaMs;
    private final double[] transitMs;

    private TrustCosts(double verifyCachedMs, double verifyFirstMs, double decodeMs, double jdkEcdsaMs,
            double bcEcdsaMs, double[] transitMs) {
        this.verifyCachedMs = verifyCachedMs;
        this.verifyFirstMs = verifyFirstMs;
        this.decodeMs = decodeMs;
        this.jdkEcdsaMs = jdkEcdsaMs;
        this.bcEcdsaMs = bcEcdsaMs;
        this.transitMs = transitMs;
    }

    static TrustCosts measure(OpenBaoServer bao) {
        int hosts = 500;
        List<TestProducer.Signed> acks = new ArrayList<>();
        for (int i = 0; i < hosts; i++) {
            String host = "cost-h" + i;
            acks.add(TestTrust.host(host).sign(FleetEvents.acknowledgement(host, "cost", "rot-v2-cost",
                    new Stage(2, CredentialPhase.STAGED))));
        }
        EventVerifier verifier = new EventVerifier(TestTrust.anchors());
        double first = perEvent(verifier, acks); // every chain seen for the first time
        for (int round = 0; round < 3; round++) {
            perEvent(verifier, acks); // warm-up with cached chains
        }
        double cached = perEvent(verifier, acks);
        long t = System.nanoTime();
        for (int round = 0; round < 4; round++) {
            for (TestProducer.Signed ack : acks) {
                CODEC.decode(HostConfigured.class, ack.payload());
            }
        }
        double decode = (System.nanoTime() - t) / 1e6 / (4.0 * hosts);
        double jdk = 0;
        double bc = 0;
        for (int round = 0; round < 3; round++) { // the last round counts
            jdk = ecdsaOnly(acks, null);
            bc = ecdsaOnly(acks, BC);
        }

        TestProducer transit = TestProducer.viaTransit(bao, "credential-service");
        CredentialRotated event = new CredentialRotated("cost", "rot-v2-cost", "virtgate-v2", 2,
                "virtgate/clusters/cost/libvirt-sasl", 2, CredentialPhase.STAGED, "virtgate-v1", 1,
                List.of("virtgate-v1", "virtgate-v2"));
        for (int i = 0; i < 50; i++) {
            transit.sign(event); // warm-up: connection, JIT
        }
        double[] signs = new double[300];
        for (int i = 0; i < signs.length; i++) {
            long s = System.nanoTime();
            transit.sign(event);
            signs[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(signs);
        return new TrustCosts(cached, first, decode, jdk, bc, signs);
    }

    /** The signature check alone, with the JDK's provider (what EventVerifier uses) or BouncyCastle's. */
    private static double ecdsaOnly(List<TestProducer.Signed> events, Provider provider) {
        long t = System.nanoTime();
        for (TestProducer.Signed signed : events) {
            try {
                PublicKey key = EventSignatures.decodeChain(signed.headers().get(EventSignatures.SIGNER_CHAIN)).get(0)
                        .getPublicKey();
                Signature s = provider == null ? Signature.getInstance(EventSignatures.ALGORITHM)
                        : Signature.getInstance(EventSignatures.ALGORITHM, provider);
                s.initVerify(key);
                s.update(EventSignatures.signingInput(signed.envelope(), signed.payload()));
                if (!s.verify(Base64.getDecoder().decode(signed.headers().get(EventSignatures.SIGNATURE)))) {
                    throw new IllegalStateException("signature does not verify");
                }
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException(e);
            }
        }
        return (System.nanoTime() - t) / 1e6 / events.size();
    }

    private static double perEvent(EventVerifier verifier, List<TestProducer.Signed> events) {
        long t = System.nanoTime();
        for (TestProducer.Signed signed : events) {
            EventEnvelope envelope = signed.envelope();
            Producer producer = verifier.verify(envelope, signed.headers(), signed.payload(),
                    CODEC.decode(HostConfigured.class, signed.payload()));
            if (!producer.name().equals(envelope.subject())) {
                throw new IllegalStateException("verified the wrong producer");
            }
        }
        return (System.nanoTime() - t) / 1e6 / events.size();
    }

    void print() {
        System.out.println();
        System.out.println("| per-event cost (this JVM, one thread) | ms |");
        System.out.println("|---|---|");
        System.out.printf("| verify a host-signed HostConfigured, signer chain cached (decode included) | %.3f |%n",
                verifyCachedMs);
        System.out.printf("| verify a host's first event (chain checked against the CA, decode included) | %.3f |%n",
                verifyFirstMs);
        System.out.printf("| of which JSON decode + schema validation alone | %.3f |%n", decodeMs);
        System.out.printf("| ECDSA P-256 signature check alone, JDK provider (SunEC;"
                + " certificate parse included) | %.3f |%n", jdkEcdsaMs);
        System.out.printf("| the same with BouncyCastle's provider (what EventVerifier uses) | %.3f |%n", bcEcdsaMs);
        System.out.printf("| Transit sign of an emitted event (HTTP to OpenBao), median | %.3f |%n", percentile(50));
        System.out.printf("| Transit sign, p95 / p99 | %.3f / %.3f |%n", percentile(95), percentile(99));
    }

    private double percentile(int p) {
        return transitMs[Math.min(transitMs.length - 1, (int) Math.ceil(p / 100.0 * transitMs.length) - 1)];
    }
}
