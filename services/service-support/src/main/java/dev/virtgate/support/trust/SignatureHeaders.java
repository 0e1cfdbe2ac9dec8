package dev.virtgate.support.trust;

import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.support.outbox.OutboxRecord;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The {@code ce_signature} and {@code ce_signerchain} headers of an outbox row: its stored signature
 * and the chain pki-service published for that Transit key version, provided the chain certifies
 * that very key (after an OpenBao wipe a new key can carry an old version number). A row signed
 * before a key rotation, whose version is no longer published, is signed again with the current
 * key: the signature covers id, time and payload, not the key version, so nothing else changes.
 * Empty when no usable chain is published yet: the row then waits in the table.
 */
@ApplicationScoped
public class SignatureHeaders {

    @Inject
    PublishedTrust trust;

    @Inject
    EventSigner signer;

    public Optional<Map<String, String>> of(OutboxRecord row) {
        String signature = row.signature();
        Optional<List<X509Certificate>> chain = chainFor(signature);
        if (chain.isEmpty() && trust.publishedSignerVersion() > EventSignatures.transitKeyVersion(signature)) {
            signature = signer.sign(EventSignatures.signingInput(row.eventId().toString(), row.ceType(),
                    row.ceSource(), row.ceTime().toString(), row.recordKey(),
                    row.payload().getBytes(StandardCharsets.UTF_8)));
            chain = chainFor(signature);
        }
        String header = EventSignatures.fromTransit(signature);
        return chain.map(c -> Map.of(EventSignatures.SIGNATURE, header,
                EventSignatures.SIGNER_CHAIN, EventSignatures.encodeChain(c)));
    }

    private Optional<List<X509Certificate>> chainFor(String transitSignature) {
        int version = EventSignatures.transitKeyVersion(transitSignature);
        Optional<List<X509Certificate>> chain = trust.signerChain(version)
                .filter(c -> signer.certifies(version, c.get(0)));
        if (chain.isEmpty()) {
            trust.refresh();
        }
        return chain;
    }
}
