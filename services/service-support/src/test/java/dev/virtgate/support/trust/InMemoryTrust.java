package dev.virtgate.support.trust;

import io.micrometer.core.instrument.MeterRegistry;

import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** The trust pki-service would publish in OpenBao, held in memory: a fixed CA bundle, no CRL. */
public final class InMemoryTrust extends PublishedTrust {
    private final List<X509Certificate> cas;
    private int refreshes;

    public InMemoryTrust(List<X509Certificate> cas) {
        this.cas = List.copyOf(cas);
    }

    /** A real {@link EventTrust} that verifies against these CAs and counts refusals in {@code meters}. */
    public EventTrust eventTrust(MeterRegistry meters) {
        EventTrust eventTrust = new EventTrust();
        eventTrust.trust = this;
        eventTrust.refusals = new dev.virtgate.support.metrics.RefusedEvents(meters);
        eventTrust.config = new TrustConfig() {
            @Override
            public Duration refresh() {
                return Duration.ofSeconds(30);
            }

            @Override
            public Duration maxClockSkew() {
                return Duration.ofMinutes(5);
            }

            @Override
            public Duration awaitPublished() {
                return Duration.ZERO;
            }
        };
        eventTrust.init();
        return eventTrust;
    }

    public int refreshes() {
        return refreshes;
    }

    @Override
    public List<X509Certificate> certificateAuthorities() {
        return cas;
    }

    @Override
    public boolean isRevoked(X509Certificate certificate) {
        return false;
    }

    @Override
    public Optional<List<X509Certificate>> signerChain(int keyVersion) {
        return Optional.empty();
    }

    @Override
    public boolean awaitPublished(Duration timeout) {
        return !cas.isEmpty();
    }

    @Override
    public void refresh() {
        refreshes++;
    }
}
