package dev.virtgate.contracts.bench;

import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.math.BigInteger;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Instant;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * What authenticating one event costs in process: signing a HostConfigured with a host key, and
 * verifying it with the signer chain already cached (every event after a host's first) or seen for
 * the first time (chain checked against the CA as well). Services sign through Transit instead;
 * that round trip is measured by the service benchmarks. Run with {@code contracts/bench.sh}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
public class EventSignatureBench {
    private final EventCodec codec = new EventCodec();
    private KeyPair hostKey;
    private List<X509Certificate> chain;
    private TrustAnchors anchors;
    private EventVerifier warmVerifier;
    private EventEnvelope envelope;
    private byte[] payload;
    private HostConfigured event;
    private Map<String, String> headers;

    @Setup
    public void setUp() throws Exception {
        KeyPair caKey = ecKey();
        X500Name caName = new X500Name("CN=bench CA");
        X509Certificate ca = cert(caName, caKey, caName, caKey, null, true);
        hostKey = ecKey();
        chain = List.of(cert(new X500Name("CN=h1"), hostKey, caName, caKey, Producer.host("h1").uri(), false));
        anchors = TrustAnchors.of(List.of(ca));
        warmVerifier = new EventVerifier(anchors);
        event = new HostConfigured("h1", "cluster-a", "0af3", Instant.now().plusSeconds(86400), "rot-1", 8, null, true,
                false, true, List.of(new PostureCheck("tls", CheckStatus.PASS, null)), null, Instant.now());
        envelope = new EventEnvelope(UUID.randomUUID().toString(), "/virtgate/host-agent/h1", EventType.HOST_CONFIGURED,
                "h1", Instant.now());
        payload = codec.encode(event);
        headers = new HashMap<>(envelope.headers());
        headers.put(EventSignatures.SIGNATURE, sign());
        headers.put(EventSignatures.SIGNER_CHAIN, EventSignatures.encodeChain(chain));
        warmVerifier.verify(envelope, headers, payload, event);
    }

    @Benchmark
    public String sign() {
        return EventSignatures.sign(hostKey.getPrivate(), EventSignatures.signingInput(envelope, payload));
    }

    @Benchmark
    public Producer verifyCachedChain() {
        return warmVerifier.verify(envelope, headers, payload, event);
    }

    @Benchmark
    public Producer verifyFirstSightOfChain() {
        return new EventVerifier(anchors).verify(envelope, headers, payload, event);
    }

    private static KeyPair ecKey() throws Exception {
        KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
        g.initialize(new ECGenParameterSpec("secp256r1"));
        return g.generateKeyPair();
    }

    private static X509Certificate cert(X500Name subject, KeyPair subjectKey, X500Name issuer, KeyPair issuerKey,
            String uri, boolean ca) throws Exception {
        var b = new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(System.nanoTime()),
                Date.from(Instant.now().minusSeconds(60)), Date.from(Instant.now().plusSeconds(86400)), subject,
                subjectKey.getPublic());
        b.addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
        if (uri != null) {
            b.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.uniformResourceIdentifier, uri)));
        }
        return new JcaX509CertificateConverter().getCertificate(
                b.build(new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKey.getPrivate())));
    }
}
