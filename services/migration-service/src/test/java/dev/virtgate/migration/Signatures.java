package dev.virtgate.migration;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.testsupport.OpenBaoServer;

import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Map;

/** Verifies command signatures the way an agent does: OpenBao transit/verify. */
final class Signatures {
    private static final ObjectMapper JSON = new ObjectMapper();

    static boolean verify(String key, byte[] payload, String signature) throws Exception {
        String body = JSON.writeValueAsString(Map.of("input", Base64.getEncoder().encodeToString(payload),
                "signature", signature));
        HttpResponse<String> response = OpenBaoServer.shared().call("POST", "transit/verify/" + key, body);
        if (response.statusCode() != 200) {
            throw new IllegalStateException("transit/verify -> " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body()).path("data").path("valid").asBoolean();
    }

    static String keyType(String key) throws Exception {
        HttpResponse<String> response = OpenBaoServer.shared().call("GET", "transit/keys/" + key, null);
        return JSON.readTree(response.body()).path("data").path("type").asText();
    }

    private Signatures() {
    }
}
