package dev.virtgate.credential.trust;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.testsupport.trust.TestCa;
import dev.virtgate.testsupport.trust.TestProducer;
import org.bouncycastle.jce.provider.BouncyCastleProvider;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.Provider;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A producer with its own key and a certificate naming it (or, for an enrolling host, no certificate:
 * the key of its CSR signs), signing events as TestProducer does but with BouncyCastle's ECDSA: ten
 * thousand simulated hosts sign in one JVM here, and the JDK's own P-256 is several times slower,
 * which would time the simulator instead of the service. The bytes are the same format.
 */
public final class SigningIdentity {
    private static final Provider BC = new BouncyCastleProvider();
    private static final EventCodec CODEC = new EventCodec();

    private final String source;
    private final KeyPair key;
    private final String chainHeader;
    private final X509Certificate certificate;

    private SigningIdentity(String source, KeyPair key, X509Certificate certificate) {
        this.source = source;
        this.key = key;
        this.certificate = certificate;
        this.chainHeader = certificate == null ? null : EventSignatures.encodeChain(List.of(certificate));
    }

    /** A fresh key and a one-day certificate from {@code ca} naming {@code producer}. */
    public static SigningIdentity issuedBy(TestCa ca, Producer producer) {
        KeyPair key = ecKey();
        X509Certificate cert = ca.issue(producer.name(), key.getPublic(), producer.uri(), Duration.ofDays(1));
        return new SigningIdentity("/virtgate/" + producer.name(), key, cert);
    }

    /** An enrolling host: its CSR key signs, no certificate travels. */
    public static SigningIdentity enrolling(String hostId, KeyPair csrKey) {
        return new SigningIdentity("/virtgate/host-agent/" + hostId, csrKey, null);
    }

    public X509Certificate certificate() {
        return certificate;
    }

    public TestProducer.Signed sign(Event event) {
        return sign(event, Instant.now());
    }

    public TestProducer.Signed sign(Event event, Instant time) {
        EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), source, EventType.of(event.getClass()),
                event.subject(), time);
        byte[] payload = CODEC.encode(event);
        Map<String, String> headers = new HashMap<>(envelope.headers());
        headers.put(EventSignatures.SIGNATURE, signature(EventSignatures.signingInput(envelope, payload)));
        if (chainHeader != null) {
            headers.put(EventSignatures.SIGNER_CHAIN, chainHeader);
        }
        return new TestProducer.Signed(envelope, headers, payload);
    }

    private String signature(byte[] input) {
        try {
            Signature s = Signature.getInstance(EventSignatures.ALGORITHM, BC);
            s.initSign(key.getPrivate());
            s.update(input);
            return Base64.getEncoder().encodeToString(s.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    public static KeyPair ecKey() {
        try {
            KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", BC);
            generator.initialize(new ECGenParameterSpec("secp256r1"));
            return generator.generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }
}
