package dev.virtgate.testsupport.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.OpenBaoServer;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Function;

/**
 * Signs events as one producer would and puts them on the bus: a host agent or a service with a key
 * in memory and a certificate from a {@link TestCa}, or a real service identity (its Transit key in
 * OpenBao and the signer certificate published next to it). Attack tests use it to replay, alter
 * or re-sign events; {@link #publishUnsigned} is the attacker without any key.
 */
public final class TestProducer {
    private static final EventCodec CODEC = new EventCodec();
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String source;
    private final Function<byte[], String> signer;
    private final String chainHeader;

    /** One signed event as it travels: headers (CloudEvents + signature) and payload bytes. */
    public record Signed(EventEnvelope envelope, Map<String, String> headers, byte[] payload) {
        public Signed withHeader(String name, String value) {
            Map<String, String> copy = new HashMap<>(headers);
            if (value == null) {
                copy.remove(name);
            } else {
                copy.put(name, value);
            }
            return new Signed(envelope, copy, payload);
        }

        public Signed withPayload(byte[] other) {
            return new Signed(envelope, headers, other);
        }

        public void publish(String bootstrapServers) {
            EventBus.publish(bootstrapServers, envelope.type().topic(), envelope.subject(), headers, payload);
        }
    }

    private TestProducer(String source, Function<byte[], String> signer, String chainHeader) {
        this.source = source;
        this.signer = signer;
        this.chainHeader = chainHeader;
    }

    /** A producer holding {@code key} with {@code chain} (leaf first); chain null signs like an enrolling host. */
    public static TestProducer withKey(String source, KeyPair key, List<X509Certificate> chain) {
        return new TestProducer(source, input -> EventSignatures.sign(key.getPrivate(), input),
                chain == null ? null : EventSignatures.encodeChain(chain));
    }

    /** A producer with a fresh key and a certificate from {@code ca} naming {@code producer}. */
    public static TestProducer issuedBy(TestCa ca, Producer producer) {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.issue(producer.name(), key.getPublic(), producer.uri(), Duration.ofDays(1));
        return withKey("/virtgate/" + producer.name(), key, List.of(cert));
    }

    /**
     * A real service identity: signs through the service's Transit key and attaches the signer chain
     * published in OpenBao (by pki-service, or by {@link TrustFixture} where none runs).
     */
    public static TestProducer viaTransit(OpenBaoServer openBao, String service) {
        JsonNode data = read(openBao, "secret/data/" + TrustStorePaths.signer(service)).path("data").path("data");
        String chainPem = data.path(TrustStorePaths.CHAIN_PEM).asText();
        if (chainPem.isBlank()) {
            throw new IllegalStateException("no signer certificate published for " + service);
        }
        String header = EventSignatures.encodeChain(TrustFixture.certificates(chainPem));
        return new TestProducer("/virtgate/" + service, input -> {
            String body = "{\"input\":\"" + Base64.getEncoder().encodeToString(input) + "\"}";
            JsonNode signed = post(openBao, "transit/sign/" + TrustStorePaths.transitKey(service), body);
            return EventSignatures.fromTransit(signed.path("data").path("signature").asText());
        }, header);
    }

    public Signed sign(Event event) {
        return sign(event, Instant.now());
    }

    public Signed sign(Event event, Instant time) {
        EventEnvelope envelope = new EventEnvelope(UUID.randomUUID().toString(), source,
                dev.virtgate.contracts.EventType.of(event.getClass()), event.subject(), time);
        byte[] payload = CODEC.encode(event);
        Map<String, String> headers = new HashMap<>(envelope.headers());
        headers.put(EventSignatures.SIGNATURE, signer.apply(EventSignatures.signingInput(envelope, payload)));
        if (chainHeader != null) {
            headers.put(EventSignatures.SIGNER_CHAIN, chainHeader);
        }
        return new Signed(envelope, headers, payload);
    }

    public Signed publish(String bootstrapServers, Event event) {
        Signed signed = sign(event);
        signed.publish(bootstrapServers);
        return signed;
    }

    /** What an attacker with write access and no key sends: CloudEvents headers, no signature. */
    public static EventEnvelope publishUnsigned(String bootstrapServers, String source, Event event) {
        return EventBus.publish(bootstrapServers, source, event);
    }

    static JsonNode read(OpenBaoServer openBao, String path) {
        return parse(openBao.call("GET", path, null).body());
    }

    static JsonNode post(OpenBaoServer openBao, String path, String body) {
        var response = openBao.call("POST", path, body);
        if (response.statusCode() >= 300) {
            throw new IllegalStateException("OpenBao " + path + " -> " + response.statusCode());
        }
        return parse(response.body());
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (Exception e) {
            throw new IllegalStateException("OpenBao answered no JSON");
        }
    }
}
