package dev.virtgate.support.outbox;

import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The relay's settings keep the names and defaults the services were configured with. */
class OutboxConfigTest {

    private static OutboxConfig read(Map<String, String> properties) {
        return new SmallRyeConfigBuilder().addDefaultInterceptors()
                .withMapping(OutboxConfig.class)
                .withSources(new PropertiesConfigSource(properties, "test", 100))
                .build().getConfigMapping(OutboxConfig.class);
    }

    @Test
    void defaults() {
        OutboxConfig config = read(Map.of());

        assertThat(config.batchSize()).isEqualTo(500);
        assertThat(config.sendTimeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(config.sweepAfter()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.retention()).isEqualTo(Duration.ofDays(1));
        assertThat(config.pollInterval()).isEqualTo("1s");
        assertThat(config.pollDelay()).isEqualTo("3s");
    }

    @Test
    void propertyNames() {
        OutboxConfig config = read(Map.of(
                "virtgate.outbox.batch-size", "20",
                "virtgate.outbox.send-timeout", "PT2S",
                "virtgate.outbox.sweep-after", "PT30S",
                "virtgate.outbox.retention", "PT6H",
                "virtgate.outbox.poll-interval", "250ms",
                "virtgate.outbox.poll-delay", "0s"));

        assertThat(config.batchSize()).isEqualTo(20);
        assertThat(config.sendTimeout()).isEqualTo(Duration.ofSeconds(2));
        assertThat(config.sweepAfter()).isEqualTo(Duration.ofSeconds(30));
        assertThat(config.retention()).isEqualTo(Duration.ofHours(6));
        assertThat(config.pollInterval()).isEqualTo("250ms");
        assertThat(config.pollDelay()).isEqualTo("0s");
    }
}
