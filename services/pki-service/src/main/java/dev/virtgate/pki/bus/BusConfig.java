package dev.virtgate.pki.bus;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/**
 * Settings of pki-service's side of the broker ({@code virtgate.pki.bus.*}): it keeps the mTLS
 * listener's trust equal to the CA bundle and each host's ACLs equal to its certificates. It logs in
 * as its own principal with {@code kafka.bootstrap.servers} and {@code virtgate.bus.password}.
 */
@ConfigMapping(prefix = "virtgate.pki.bus")
public interface BusConfig {

    /** Off only where no broker of virtgate's runs with an mTLS listener (never in production). */
    @WithDefault("true")
    boolean manageHostAccess();

    /** How often trust and every host's ACLs are compared with the database and repaired. */
    @WithDefault("60s")
    String reconcileInterval();

    /** How long one admin request may take before it counts as a failure (retried next round). */
    @WithDefault("PT15S")
    Duration requestTimeout();
}
