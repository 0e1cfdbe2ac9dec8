package dev.virtgate.support.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Who this service is on the bus: its CloudEvents source and its consumer name. */
@ConfigMapping(prefix = "virtgate.service")
public interface ServiceIdentity {

    /** Short name such as {@code pki-service}; names the dead-letter topic and the processed-event log. */
    String name();

    /** CloudEvents {@code ce_source}. */
    @WithDefault("/virtgate/${virtgate.service.name}")
    String source();
}
