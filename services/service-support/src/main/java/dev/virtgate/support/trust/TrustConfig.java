package dev.virtgate.support.trust;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How a service signs its events and what it verifies others' against. */
@ConfigMapping(prefix = "virtgate.trust")
public interface TrustConfig {

    /** How often the CA bundle, the CRL and the service's own signer chain are re-read from OpenBao. */
    @WithDefault("PT30S")
    Duration refresh();

    /** How far in the future an event's ce_time (and times such as probedAt) may lie. */
    @WithDefault("PT5M")
    Duration maxClockSkew();

    /** How long a consumer waits for pki-service to publish any trust before it refuses events. */
    @WithDefault("PT60S")
    Duration awaitPublished();
}
