package dev.virtgate.pki.pki;

import dev.virtgate.pki.config.CaKeyType;
import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.VaultClientException;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransit;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitCreateKeyParams;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyInfo;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitKeyType;
import io.quarkus.vault.client.api.secrets.transit.VaultSecretsTransitRotateKeyParams;

import com.fasterxml.jackson.databind.JsonNode;
import io.quarkus.vault.client.common.VaultJSONResultExtractor;
import io.quarkus.vault.client.common.VaultRequest;

import java.security.PublicKey;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** The CA key in Transit: create (never exportable), read public keys, rotate, batch-sign digests. */
public class TransitKeys {
    private static final Duration TIMEOUT = Duration.ofSeconds(10);

    private final VaultClient client;
    private final String mount;
    private final String keyName;
    private final CaKeyType keyType;

    public TransitKeys(VaultClient client, String mount, String keyName, CaKeyType keyType) {
        this.client = client;
        this.mount = mount;
        this.keyName = keyName;
        this.keyType = keyType;
    }

    public String keyName() {
        return keyName;
    }

    public CaKeyType keyType() {
        return keyType;
    }

    /** The key, if it exists; an OpenBao that cannot be reached throws {@link TransitUnavailableException}. */
    public Optional<VaultSecretsTransitKeyInfo> read() {
        try {
            return Optional.of(await(transit().readKey(keyName)));
        } catch (VaultClientException e) {
            if (e.getStatus() != null && e.getStatus() == 404) {
                return Optional.empty();
            }
            throw unavailable("read key", e);
        }
    }

    /** Creates the key non-exportable, without plaintext backup. A no-op if it already exists. */
    public VaultSecretsTransitKeyInfo create() {
        VaultSecretsTransitCreateKeyParams params = new VaultSecretsTransitCreateKeyParams()
                .setType(VaultSecretsTransitKeyType.from(keyType.transitType()))
                .setExportable(false)
                .setAllowPlaintextBackup(false);
        try {
            await(transit().createKey(keyName, params));
        } catch (VaultClientException e) {
            throw unavailable("create key", e);
        }
        return read().orElseThrow(() -> new TransitUnavailableException("Transit key vanished after creation", null));
    }

    public int rotate() {
        try {
            await(transit().rotateKey(keyName, new VaultSecretsTransitRotateKeyParams()));
        } catch (VaultClientException e) {
            throw unavailable("rotate key", e);
        }
        return read().orElseThrow().getLatestVersion();
    }

    public PublicKey publicKey(VaultSecretsTransitKeyInfo info, int version) {
        var keyVersion = info.getKeys().get(String.valueOf(version));
        if (keyVersion == null || keyVersion.getPublicKey() == null) {
            throw new IllegalStateException("Transit key " + keyName + " has no public key for version " + version);
        }
        return Pem.publicKey(keyVersion.getPublicKey());
    }

    /**
     * Signs prehashed SHA-256 digests in one {@code batch_input} call, in order. Raw request: the typed
     * batch params of quarkus-vault-client 4.7 do not serialise {@code prehashed} (a Boolean with an
     * is-getter), so Transit would hash the digest again.
     */
    public List<byte[]> signBatch(int keyVersion, List<byte[]> digests) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("hash_algorithm", "sha2-256");
        body.put("prehashed", true);
        body.put("key_version", keyVersion);
        if (keyType.isRsa()) {
            body.put("signature_algorithm", "pkcs1v15");
        } else {
            body.put("marshaling_algorithm", "asn1");
        }
        List<Map<String, String>> batch = new ArrayList<>(digests.size());
        for (byte[] digest : digests) {
            batch.add(Map.of("input", Base64.getEncoder().encodeToString(digest)));
        }
        body.put("batch_input", batch);
        VaultRequest<JsonNode> request = VaultRequest.<JsonNode>post("Transit Sign Batch")
                .path(mount, "sign", keyName).body(body).expectOkStatus()
                .build(VaultJSONResultExtractor.of(JsonNode.class));
        JsonNode results;
        try {
            results = await(client.execute(request)).getResult().path("data").path("batch_results");
        } catch (VaultClientException e) {
            throw unavailable("sign", e);
        }
        if (results.size() != digests.size()) {
            throw new TransitUnavailableException("Transit returned " + results.size() + " signatures for "
                    + digests.size() + " digests", null);
        }
        List<byte[]> signatures = new ArrayList<>(digests.size());
        for (JsonNode item : results) {
            String error = item.path("error").asText("");
            if (!error.isBlank()) {
                throw new TransitUnavailableException("Transit refused to sign: " + error, null);
            }
            // "vault:v<version>:<base64>"
            String signature = item.path("signature").asText();
            signatures.add(Base64.getDecoder().decode(signature.substring(signature.lastIndexOf(':') + 1)));
        }
        return signatures;
    }

    private VaultSecretsTransit transit() {
        return client.secrets().transit(mount);
    }

    private static TransitUnavailableException unavailable(String what, VaultClientException e) {
        return new TransitUnavailableException("OpenBao Transit " + what + " failed (status " + e.getStatus() + ")", e);
    }

    static <T> T await(CompletionStage<T> stage) {
        try {
            return stage.toCompletableFuture().get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof VaultClientException vce) {
                throw vce;
            }
            throw new TransitUnavailableException("OpenBao unreachable", e.getCause());
        } catch (TimeoutException e) {
            throw new TransitUnavailableException("OpenBao did not answer within " + TIMEOUT, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new TransitUnavailableException("interrupted", e);
        }
    }
}
