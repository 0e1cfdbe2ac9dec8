package dev.virtgate.support.config;

import dev.virtgate.contracts.EventCodec;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;

@ApplicationScoped
public class CodecProducer {

    /** Loads and compiles every event schema once. */
    @Produces
    @Singleton
    EventCodec eventCodec() {
        return new EventCodec();
    }
}
