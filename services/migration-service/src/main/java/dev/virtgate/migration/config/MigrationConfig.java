package dev.virtgate.migration.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;

@ConfigMapping(prefix = "virtgate.migration")
public interface MigrationConfig {

    /** A posture report older than this makes a host not TLS-ready. */
    @WithDefault("PT3M")
    Duration postureMaxAge();

    /** How long a host's enrollment token stays usable. */
    @WithDefault("PT24H")
    Duration enrollmentTokenTtl();

    /** Agents refuse a MigrationRequested after its notAfter. */
    @WithDefault("PT5M")
    Duration commandTtl();

    /** A REQUESTED migration no agent took up is failed this long after its command expired. */
    @WithDefault("PT1M")
    Duration unansweredGrace();

    /** Transit key (ecdsa-p256) that signs migration commands; agents verify with it. */
    @WithDefault("virtgate-migration-commands")
    String signingKey();
}
