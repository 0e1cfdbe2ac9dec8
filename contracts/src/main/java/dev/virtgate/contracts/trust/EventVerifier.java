package dev.virtgate.contracts.trust;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.HostEnrolled;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.StringReader;
import java.security.GeneralSecurityException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Decides whether an event is believed: its signature verifies with the key of a certificate that
 * chains to a trusted CA (or, for HostEnrolled only, with the key of the CSR it carries), that
 * certificate is valid now and not revoked, its producer may emit this type for this subject
 * ({@link EventAuthorization}), and its {@code ce_time} is not further in the future than the
 * allowed skew. Verified chains are cached by their header value; the signature is checked on
 * every event. Thread-safe.
 */
public final class EventVerifier {
    public static final Duration DEFAULT_SKEW = Duration.ofMinutes(5);
    private static final int CACHE_LIMIT = 50_000;

    private final TrustAnchors anchors;
    private final Duration skew;
    private final Clock clock;
    private final Map<String, VerifiedChain> chains = new ConcurrentHashMap<>();

    private record VerifiedChain(Producer producer, X509Certificate leaf, Instant notAfter, X509Certificate anchor) {
    }

    public EventVerifier(TrustAnchors anchors, Duration skew, Clock clock) {
        this.anchors = anchors;
        this.skew = skew;
        this.clock = clock;
    }

    public EventVerifier(TrustAnchors anchors) {
        this(anchors, DEFAULT_SKEW, Clock.systemUTC());
    }

    /** Returns the proven producer, or throws {@link EventRefusedException} saying why not. */
    public Producer verify(EventEnvelope envelope, Map<String, String> headers, byte[] payload, Event event) {
        Instant now = clock.instant();
        String claimed = Optional.ofNullable(envelope.source()).orElse("?");
        String signature = headers.get(EventSignatures.SIGNATURE);
        if (signature == null || signature.isBlank()) {
            throw refused(claimed, envelope, "unsigned event");
        }
        if (envelope.time().isAfter(now.plus(skew))) {
            throw refused(claimed, envelope, "ce_time is more than " + skew.toMinutes() + " min in the future");
        }
        Producer producer;
        PublicKey key;
        if (envelope.type() == EventType.HOST_ENROLLED) {
            HostEnrolled enrolled = (HostEnrolled) event;
            key = csrKey(enrolled.csrPem()).orElseThrow(() -> refused(claimed, envelope, "CSR signature invalid"));
            producer = Producer.enrollingHost(enrolled.hostId());
        } else {
            String chainHeader = headers.get(EventSignatures.SIGNER_CHAIN);
            if (chainHeader == null || chainHeader.isBlank()) {
                throw refused(claimed, envelope, "no signer certificate");
            }
            VerifiedChain chain = chain(chainHeader, now, claimed, envelope);
            producer = chain.producer();
            key = chain.leaf().getPublicKey();
        }
        if (!signatureValid(key, EventSignatures.signingInput(envelope, payload), signature, envelope.type())) {
            throw refused(producer.toString(), envelope, "signature does not verify");
        }
        EventAuthorization.refusal(producer, envelope.type(), event).ifPresent(why -> {
            throw refused(producer.toString(), envelope, why);
        });
        return producer;
    }

    private VerifiedChain chain(String header, Instant now, String claimed, EventEnvelope envelope) {
        VerifiedChain cached = chains.get(header);
        if (cached == null) {
            cached = verifyChain(header, now, claimed, envelope);
            if (chains.size() > CACHE_LIMIT) {
                chains.clear();
            }
            chains.put(header, cached);
        }
        if (now.isAfter(cached.notAfter())) {
            chains.remove(header);
            throw refused(cached.producer().toString(), envelope, "signer certificate expired");
        }
        if (!anchors.certificateAuthorities().contains(cached.anchor())) {
            chains.remove(header);
            throw refused(cached.producer().toString(), envelope, "signer certificate's CA is no longer trusted");
        }
        if (anchors.isRevoked(cached.leaf())) {
            throw refused(cached.producer().toString(), envelope,
                    "signer certificate " + cached.leaf().getSerialNumber().toString(16) + " is revoked");
        }
        return cached;
    }

    private VerifiedChain verifyChain(String header, Instant now, String claimed, EventEnvelope envelope) {
        List<X509Certificate> chain;
        try {
            chain = EventSignatures.decodeChain(header);
        } catch (IllegalArgumentException e) {
            throw refused(claimed, envelope, e.getMessage());
        }
        Date at = Date.from(now);
        Instant notAfter = Instant.MAX;
        for (int i = 0; i < chain.size(); i++) {
            X509Certificate c = chain.get(i);
            if (at.before(c.getNotBefore()) || at.after(c.getNotAfter())) {
                throw refused(claimed, envelope, "signer chain certificate " + i + " is not valid now");
            }
            if (i > 0 && c.getBasicConstraints() < 0) {
                throw refused(claimed, envelope, "signer chain certificate " + i + " is not a CA");
            }
            if (i + 1 < chain.size() && !signedBy(c, chain.get(i + 1).getPublicKey())) {
                throw refused(claimed, envelope, "signer chain is broken at certificate " + i);
            }
            notAfter = notAfter.isBefore(c.getNotAfter().toInstant()) ? notAfter : c.getNotAfter().toInstant();
        }
        X509Certificate top = chain.get(chain.size() - 1);
        X509Certificate anchor = anchors.certificateAuthorities().stream()
                .filter(ca -> ca.equals(top) || (ca.getSubjectX500Principal().equals(top.getIssuerX500Principal())
                        && signedBy(top, ca.getPublicKey())))
                .findFirst().orElseThrow(() -> refused(claimed, envelope, "signer certificate is not from a trusted CA"));
        Producer producer = producerOf(chain.get(0))
                .orElseThrow(() -> refused(claimed, envelope, "signer certificate names no virtgate producer"));
        return new VerifiedChain(producer, chain.get(0), notAfter, anchor);
    }

    /**
     * The one {@code urn:virtgate:service:} or {@code urn:virtgate:host:} URI SAN of a leaf; a leaf with
     * neither but with role URIs ({@code urn:virtgate:role:}) is an API client, named by its subject DN.
     */
    public static Optional<Producer> producerOf(X509Certificate leaf) {
        List<Producer> found = new ArrayList<>();
        boolean role = false;
        try {
            Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
            if (sans != null) {
                for (List<?> san : sans) {
                    if (Integer.valueOf(6).equals(san.get(0)) && san.get(1) instanceof String uri) {
                        if (uri.startsWith(Producer.SERVICE_URN)) {
                            found.add(Producer.service(uri.substring(Producer.SERVICE_URN.length())));
                        } else if (uri.startsWith(Producer.HOST_URN)) {
                            found.add(Producer.host(uri.substring(Producer.HOST_URN.length())));
                        } else if (uri.startsWith(Producer.ROLE_URN)) {
                            role = true;
                        }
                    }
                }
            }
        } catch (CertificateParsingException e) {
            return Optional.empty();
        }
        if (found.isEmpty() && role) {
            return Optional.of(Producer.apiClient(leaf.getSubjectX500Principal().getName()));
        }
        return found.size() == 1 ? Optional.of(found.get(0)) : Optional.empty();
    }

    /** The public key of a CSR whose own signature (proof of possession) verifies. */
    public static Optional<PublicKey> csrKey(String csrPem) {
        try (PEMParser parser = new PEMParser(new StringReader(csrPem))) {
            if (!(parser.readObject() instanceof PKCS10CertificationRequest csr)) {
                return Optional.empty();
            }
            JcaPKCS10CertificationRequest jca = new JcaPKCS10CertificationRequest(csr);
            PublicKey key = jca.getPublicKey();
            boolean valid = csr.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key));
            return valid ? Optional.of(key) : Optional.empty();
        } catch (Exception e) {
            return Optional.empty();
        }
    }

    private static boolean signatureValid(PublicKey key, byte[] input, String signature, EventType type) {
        try {
            Signature s = Signature.getInstance(EventSignatures.ALGORITHM, EventSignatures.PROVIDER);
            s.initVerify(key);
            s.update(input);
            return s.verify(Base64.getDecoder().decode(signature));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static boolean signedBy(X509Certificate cert, PublicKey issuerKey) {
        try {
            cert.verify(issuerKey, EventSignatures.PROVIDER);
            return true;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            return false;
        }
    }

    private static EventRefusedException refused(String producer, EventEnvelope envelope, String reason) {
        return new EventRefusedException(producer, envelope.type().ceType(), envelope.subject(), reason);
    }
}
