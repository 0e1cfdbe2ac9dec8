package dev.virtgate.agent.trust;

import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.trust.EventSignatures;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Signs what the agent publishes with its host key ({@code ce_signature}) and attaches its
 * certificate and chain ({@code ce_signerchain}). HostEnrolled is signed by the key its CSR is for,
 * without a chain; anything else waits for a certificate, since nothing could verify it before.
 */
public final class EventSigner {
    private final String source;
    private final HostIdentity identity;
    private final EventCodec codec;

    public EventSigner(String hostId, HostIdentity identity, EventCodec codec) {
        this.source = "virtgate/host-agent/" + hostId;
        this.identity = identity;
        this.codec = codec;
    }

    /** Empty when the event cannot be signed yet (no certificate). */
    public Optional<SignedEvent> sign(Event event) {
        EventEnvelope envelope = EventEnvelope.of(source, event);
        byte[] payload = codec.encode(event);
        Map<String, String> headers = new LinkedHashMap<>(envelope.headers());
        byte[] input = EventSignatures.signingInput(envelope, payload);
        if (event instanceof HostEnrolled) {
            headers.put(EventSignatures.SIGNATURE, EventSignatures.sign(identity.key().privateKey(), input));
            return Optional.of(new SignedEvent(envelope, headers, payload));
        }
        return identity.signing().map(signing -> {
            headers.put(EventSignatures.SIGNATURE, EventSignatures.sign(signing.key().privateKey(), input));
            headers.put(EventSignatures.SIGNER_CHAIN, EventSignatures.encodeChain(signing.chain()));
            return new SignedEvent(envelope, headers, payload);
        });
    }
}
