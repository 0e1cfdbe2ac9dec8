package dev.virtgate.pki.repository;

import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import jakarta.interceptor.Interceptor;
import jakarta.persistence.EntityManager;
import org.jboss.logging.Logger;

/**
 * Schema updates Hibernate's {@code update} strategy does not make: a database created before
 * enrollment proofs keeps {@code registered_host.token_sha256 NOT NULL}, which no longer gets a
 * value, so it is dropped (no token hash is kept any more).
 */
@ApplicationScoped
class LegacyColumns {
    private static final Logger LOG = Logger.getLogger(LegacyColumns.class);

    @Inject
    EntityManager em;

    void onStart(@Observes @Priority(Interceptor.Priority.APPLICATION) StartupEvent start) {
        try {
            QuarkusTransaction.requiringNew().run(() -> em.createNativeQuery(
                    "alter table if exists registered_host drop column if exists token_sha256").executeUpdate());
        } catch (RuntimeException e) {
            LOG.warnf("could not drop registered_host.token_sha256 (%s): registrations may fail until it is dropped",
                    e.getMessage());
        }
    }
}
