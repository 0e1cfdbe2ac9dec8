package dev.virtgate.support.schema;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import jakarta.persistence.EntityManager;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

import java.util.List;
import java.util.Optional;

/**
 * Schema changes Hibernate's {@code update} strategy does not make: columns a previous version
 * created (often NOT NULL) that no longer get a value, listed per service in
 * {@code virtgate.schema.dropped-columns} as {@code table.column}, are dropped at start. The enrollment
 * token hashes went this way when enrollment moved to proofs.
 */
@ApplicationScoped
public class LegacyColumns {
    private static final Logger LOG = Logger.getLogger(LegacyColumns.class);
    private static final String NAME = "[a-z_][a-z0-9_]{0,62}";

    @Inject
    EntityManager em;

    @ConfigProperty(name = "virtgate.schema.dropped-columns")
    Optional<List<String>> dropped;

    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent start) {
        for (String column : dropped.orElse(List.of())) {
            if (!column.matches(NAME + "\\." + NAME)) {
                throw new IllegalArgumentException("virtgate.schema.dropped-columns: '" + column
                        + "' is not table.column in lower case");
            }
            String[] parts = column.split("\\.");
            try {
                QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery("alter table if exists " + parts[0]
                        + " drop column if exists " + parts[1]).executeUpdate());
            } catch (RuntimeException e) {
                LOG.warnf("could not drop %s (%s): writes to %s may fail until it is dropped", column,
                        e.getClass().getSimpleName(), parts[0]);
            }
        }
    }
}
