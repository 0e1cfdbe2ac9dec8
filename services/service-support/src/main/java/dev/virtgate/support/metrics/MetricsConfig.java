package dev.virtgate.support.metrics;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** The gauges each service reads from its database ({@code virtgate.metrics.*}). */
@ConfigMapping(prefix = "virtgate.metrics")
public interface MetricsConfig {

    /** How often they are re-read (read by the {@code @Scheduled} expressions; listed here so that the name is known). */
    @WithDefault("15s")
    String refreshInterval();
}
