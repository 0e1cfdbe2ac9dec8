package dev.virtgate.agent.trust;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The way in for events from the bus. Types the agent does not handle are skipped undecoded; every
 * other event is decoded (schema) and verified here before any handling: its signature, a signer chain to the
 * pinned anchors, the signer not revoked by an applied CRL, who may say what, and ce_time within
 * the skew ({@link EventVerifier}). Before the first anchor is kept (just enrolled), the pinned CA
 * itself may arrive in the event, in the signer chain or a CertIssued's bundle: a certificate with
 * the pinned fingerprint is trusted wherever it comes from.
 */
public final class InboundVerifier {
    private final PinnedAnchors anchors;
    private final Revocations revocations;
    private final Duration skew;
    private final Clock clock;
    private final EventVerifier verifier;
    private final Set<EventType> handled;
    private final EventCodec codec;

    /** An event that verified, with the producer its signature proves. */
    public record Verified(Producer producer, EventEnvelope envelope, Event event) {
        /** Refuses this event after all, for a reason only the handler's state shows. */
        public EventRefusedException refused(String reason) {
            return new EventRefusedException(producer.toString(), envelope.type().ceType(), envelope.subject(), reason);
        }
    }

    public InboundVerifier(PinnedAnchors anchors, Revocations revocations, Duration skew, Clock clock,
            Set<EventType> handled, EventCodec codec) {
        this.handled = handled;
        this.codec = codec;
        this.anchors = anchors;
        this.revocations = revocations;
        this.skew = skew;
        this.clock = clock;
        this.verifier = new EventVerifier(trusting(List.of()), skew, clock);
    }

    /**
     * The verified event, or empty for a type the agent does not handle. An invalid event throws
     * InvalidEventException, a refused one EventRefusedException: either parks it on the dead-letter topic.
     */
    public Optional<Verified> admit(Map<String, String> headers, byte[] payload) {
        Optional<EventType> type = EventType.ofCeType(headers.getOrDefault(CloudEventHeaders.TYPE, ""));
        if (type.isEmpty() || !handled.contains(type.get())) {
            return Optional.empty();
        }
        EventEnvelope envelope = EventEnvelope.fromHeaders(headers);
        Event event = codec.decode(envelope.type(), payload);
        return Optional.of(new Verified(verify(envelope, headers, payload, event), envelope, event));
    }

    /** The proven producer, or EventRefusedException saying why not. */
    public Producer verify(EventEnvelope envelope, Map<String, String> headers, byte[] payload, Event event) {
        List<X509Certificate> pinned = anchors.pinnedAmong(offered(headers, event));
        EventVerifier v = pinned.isEmpty() ? verifier : new EventVerifier(trusting(pinned), skew, clock);
        return v.verify(envelope, headers, payload, event);
    }

    private TrustAnchors trusting(List<X509Certificate> pinned) {
        return new TrustAnchors() {
            @Override
            public List<X509Certificate> certificateAuthorities() {
                if (pinned.isEmpty()) {
                    return anchors.anchors();
                }
                List<X509Certificate> all = new ArrayList<>(anchors.anchors());
                all.addAll(pinned);
                return all;
            }

            @Override
            public boolean isRevoked(X509Certificate certificate) {
                return revocations.isRevoked(certificate);
            }
        };
    }

    private static List<X509Certificate> offered(Map<String, String> headers, Event event) {
        List<X509Certificate> offered = new ArrayList<>();
        String chain = headers.get(EventSignatures.SIGNER_CHAIN);
        if (chain != null && !chain.isBlank()) {
            try {
                offered.addAll(EventSignatures.decodeChain(chain));
            } catch (IllegalArgumentException e) {
                // the verifier refuses the chain with its reason
            }
        }
        if (event instanceof CertIssued issued) {
            try {
                offered.addAll(TrustState.certificates(issued.caBundlePem()));
            } catch (IllegalArgumentException e) {
                // not certificates: nothing pinned among them
            }
        }
        return offered;
    }
}
