package dev.virtgate.testsupport.trust;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.testsupport.OpenBaoServer;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.X509EncodedKeySpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Publishes trust into a real OpenBao the way pki-service does, for the tests of services that run
 * without pki-service: a {@link TestCa} as the CA bundle, and a signer certificate for each
 * service's event-signing Transit key (created when missing, non-exportable ecdsa-p256).
 */
public final class TrustFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private TrustFixture() {
    }

    /** Publishes {@code ca} as the trusted CA and certifies every signing service's Transit key with it. */
    public static void publish(OpenBaoServer openBao, TestCa ca) {
        write(openBao, TrustStorePaths.CA, Map.of(TrustStorePaths.BUNDLE_PEM, ca.pem()));
        for (String service : EventAuthorization.SIGNING_SERVICES) {
            certify(openBao, ca, service);
        }
    }

    public static void certify(OpenBaoServer openBao, TestCa ca, String service) {
        String key = TrustStorePaths.transitKey(service);
        openBao.call("POST", "transit/keys/" + key, "{\"type\":\"ecdsa-p256\",\"exportable\":false}");
        JsonNode info = TestProducer.read(openBao, "transit/keys/" + key).path("data");
        int version = info.path("latest_version").asInt();
        String publicPem = info.path("keys").path(String.valueOf(version)).path("public_key").asText();
        X509Certificate cert = ca.issue(service, publicKey(publicPem), Producer.service(service).uri(),
                Duration.ofDays(30));
        write(openBao, TrustStorePaths.signer(service), Map.of(TrustStorePaths.KEY_VERSION, String.valueOf(version),
                TrustStorePaths.CHAIN_PEM, TestCa.pem(cert)));
    }

    public static void write(OpenBaoServer openBao, String path, Map<String, String> data) {
        try {
            TestProducer.post(openBao, "secret/data/" + path, JSON.writeValueAsString(Map.of("data", data)));
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The fields of a KV v2 secret under mount {@code secret}; empty when nothing is there. */
    public static Map<String, String> readKv(OpenBaoServer openBao, String path) {
        JsonNode data = TestProducer.read(openBao, "secret/data/" + path).path("data").path("data");
        Map<String, String> out = new java.util.HashMap<>();
        data.fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asText()));
        return out;
    }

    /** The CA bundle published in OpenBao (by pki-service or {@link #publish}), as a verifier's anchors. */
    public static TrustAnchors publishedAnchors(OpenBaoServer openBao) {
        return TrustAnchors.of(certificates(readKv(openBao, TrustStorePaths.CA).getOrDefault(TrustStorePaths.BUNDLE_PEM, "")));
    }

    public static List<X509Certificate> certificates(String pem) {
        if (pem == null || pem.isBlank()) {
            return List.of();
        }
        try {
            CertificateFactory cf = CertificateFactory.getInstance("X.509");
            List<X509Certificate> out = new ArrayList<>();
            for (var c : cf.generateCertificates(new ByteArrayInputStream(pem.getBytes(StandardCharsets.UTF_8)))) {
                out.add((X509Certificate) c);
            }
            return out;
        } catch (Exception e) {
            throw new IllegalStateException("not PEM certificates", e);
        }
    }

    private static PublicKey publicKey(String pem) {
        String base64 = pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        try {
            return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
        } catch (Exception e) {
            throw new IllegalStateException("Transit public key is not an EC key", e);
        }
    }
}
