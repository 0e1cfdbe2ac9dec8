package dev.virtgate.agent.trust;

import dev.virtgate.agent.conf.ConfigRejectedException;
import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.trust.EventSignatures;

import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The CAs this agent trusts, and why: the CA whose fingerprint the operator's enrollment bundle
 * pinned, any CA certificate an already trusted CA signed (the cross-signed CA of a rotation), and
 * a CA certificate with the subject and key of a trusted one (that same CA self-signed, which the
 * bundle keeps once the old CA retires: it needs the trusted key, so it adds no trust). Nothing
 * else: a CA is never trusted for arriving in an event's bundle. Anchors only grow; they are
 * persisted in the agent state as the content of cacert.pem.
 */
public final class PinnedAnchors {
    private static final Pattern FINGERPRINT = Pattern.compile("^sha256:[0-9a-f]{64}$");
    private static final int MAX_CHAIN = 5;

    private final AgentState state;
    private final Optional<String> configuredPin;
    private List<String> parsedFrom = List.of();
    private List<X509Certificate> parsed = List.of();

    public PinnedAnchors(AgentState state, Optional<String> configuredPin) {
        this.state = state;
        this.configuredPin = configuredPin.map(p -> fingerprint("ca-fingerprint", p));
    }

    /** A CA fingerprint as the enrollment bundle gives it: {@code sha256:} and 64 hex digits. */
    public static String fingerprint(String field, String value) {
        String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
        if (!FINGERPRINT.matcher(v).matches()) {
            throw new ConfigRejectedException(field, "not a CA fingerprint (sha256:<64 hex digits>)");
        }
        return v;
    }

    /** The pin: configured, else the one saved at enrollment. */
    public Optional<String> pin() {
        return configuredPin.or(() -> Optional.ofNullable(state.caFingerprint));
    }

    public synchronized List<X509Certificate> anchors() {
        if (!parsedFrom.equals(state.caBundlePem)) {
            List<X509Certificate> certs = new ArrayList<>();
            state.caBundlePem.forEach(p -> certs.addAll(Pem.certificates(p)));
            parsedFrom = List.copyOf(state.caBundlePem);
            parsed = List.copyOf(certs);
        }
        return parsed;
    }

    /** The certificates among {@code offered} that are the pinned CA itself (trusted by definition) but not yet anchors. */
    public List<X509Certificate> pinnedAmong(Collection<X509Certificate> offered) {
        Optional<String> pin = pin();
        List<X509Certificate> anchors = anchors();
        return offered.stream().filter(c -> pin.isPresent() && pin.get().equals(EventSignatures.fingerprint(c)))
                .filter(c -> !anchors.contains(c)).distinct().toList();
    }

    /**
     * The anchors as they would be after trusting what {@code bundle} offers under the rules above;
     * nothing is kept until {@link #adopt} (only once the event's own certificate chained to them).
     */
    public List<X509Certificate> extendedBy(List<X509Certificate> bundle) {
        List<X509Certificate> trusted = new ArrayList<>(anchors());
        trusted.addAll(pinnedAmong(bundle).stream().filter(PinnedAnchors::usableCa).toList());
        boolean grew = true;
        while (grew) {
            grew = false;
            for (X509Certificate ca : bundle) {
                if (!trusted.contains(ca) && usableCa(ca) && trusted.stream()
                        .anyMatch(t -> issuedBy(ca, t) || sameCa(ca, t))) {
                    trusted.add(ca);
                    grew = true;
                }
            }
        }
        return trusted;
    }

    /** Keeps {@code trusted} (a result of {@link #extendedBy}) as the anchors; true if they grew. */
    public synchronized boolean adopt(List<X509Certificate> trusted) {
        if (trusted.size() == anchors().size()) {
            return false;
        }
        state.caBundlePem = new ArrayList<>(trusted.stream().map(Pem::encode).toList());
        return true;
    }

    /** The anchor {@code leaf} chains to, through CA certificates from {@code intermediates}. */
    public static Optional<X509Certificate> anchorOf(X509Certificate leaf, List<X509Certificate> intermediates,
            List<X509Certificate> anchors) {
        X509Certificate current = leaf;
        for (int depth = 0; depth < MAX_CHAIN; depth++) {
            X509Certificate at = current;
            Optional<X509Certificate> anchor = anchors.stream().filter(a -> issuedBy(at, a)).findFirst();
            if (anchor.isPresent()) {
                return anchor;
            }
            Optional<X509Certificate> next = intermediates.stream()
                    .filter(i -> usableCa(i) && !i.equals(at) && issuedBy(at, i)).findFirst();
            if (next.isEmpty()) {
                return Optional.empty();
            }
            current = next.get();
        }
        return Optional.empty();
    }

    static boolean issuedBy(X509Certificate cert, X509Certificate issuer) {
        if (!cert.getIssuerX500Principal().equals(issuer.getSubjectX500Principal())) {
            return false;
        }
        try {
            cert.verify(issuer.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    private static boolean sameCa(X509Certificate a, X509Certificate b) {
        return a.getSubjectX500Principal().equals(b.getSubjectX500Principal())
                && a.getPublicKey().equals(b.getPublicKey());
    }

    private static boolean usableCa(X509Certificate c) {
        try {
            c.checkValidity();
        } catch (GeneralSecurityException e) {
            return false;
        }
        boolean[] usage = c.getKeyUsage();
        return c.getBasicConstraints() >= 0 && (usage == null || usage[5]);
    }
}
