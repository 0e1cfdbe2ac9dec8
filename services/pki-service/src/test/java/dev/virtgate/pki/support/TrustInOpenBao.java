package dev.virtgate.pki.support;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.testsupport.OpenBaoServer;

import java.security.PublicKey;
import java.util.HashMap;
import java.util.Map;

/** What pki-service published in OpenBao, read the way any other service (or an operator) can. */
public final class TrustInOpenBao {
    private static final ObjectMapper JSON = new ObjectMapper();

    /** The KV v2 secret at {@code path} of mount {@code secret}; empty when nothing is there. */
    public static Map<String, String> read(String path) {
        var response = OpenBaoServer.shared().call("GET", "secret/data/" + path, null);
        Map<String, String> data = new HashMap<>();
        if (response.statusCode() == 200) {
            parse(response.body()).path("data").path("data").fields()
                    .forEachRemaining(field -> data.put(field.getKey(), field.getValue().asText()));
        }
        return data;
    }

    public static Map<String, String> ca() {
        return read(TrustStorePaths.CA);
    }

    public static Map<String, String> signer(String service) {
        return read(TrustStorePaths.signer(service));
    }

    /** A service's event-signing Transit key as OpenBao describes it ({@code data} of transit/keys/:name). */
    public static JsonNode transitKey(String service) {
        return parse(OpenBaoServer.shared().call("GET", "transit/keys/" + TrustStorePaths.transitKey(service), null)
                .body()).path("data");
    }

    public static PublicKey latestPublicKey(JsonNode transitKey) {
        int latest = transitKey.path("latest_version").asInt();
        return dev.virtgate.pki.pki.Pem.publicKey(
                transitKey.path("keys").path(String.valueOf(latest)).path("public_key").asText());
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body == null || body.isBlank() ? "{}" : body);
        } catch (Exception e) {
            throw new IllegalStateException("OpenBao answered no JSON", e);
        }
    }

    private TrustInOpenBao() {
    }
}
