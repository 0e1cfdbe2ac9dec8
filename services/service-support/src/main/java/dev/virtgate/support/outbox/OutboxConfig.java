package dev.virtgate.support.outbox;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

/** How the outbox relay batches, waits, sweeps and purges ({@code virtgate.outbox.*}). */
@ConfigMapping(prefix = "virtgate.outbox")
public interface OutboxConfig {

    /** Rows per send, per read of the table and per UPDATE that marks rows published. */
    @WithDefault("500")
    int batchSize();

    /** How long the relay waits for the broker to answer for a batch before it counts the rest as failed. */
    @WithDefault("PT10S")
    Duration sendTimeout();

    /** How long a row stays unpublished before the timer sends it as left behind by another instance. */
    @WithDefault("PT1M")
    Duration sweepAfter();

    /** How long published rows are kept before they are deleted. */
    @WithDefault("P1D")
    Duration retention();

    /** The relay's timer (read by its {@code @Scheduled} expression; listed here so that the name is known). */
    @WithDefault("1s")
    String pollInterval();

    /** The delay before the relay's timer first fires (likewise). */
    @WithDefault("3s")
    String pollDelay();

    /** How often the outbox lag gauges are read from the table (likewise). */
    @WithDefault("10s")
    String lagInterval();
}
