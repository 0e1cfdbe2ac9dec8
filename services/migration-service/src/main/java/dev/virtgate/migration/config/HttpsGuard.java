package dev.virtgate.migration.config;

import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

import java.nio.file.Path;

/** Fails the start on a half-configured HTTPS listener and says whether mTLS is on. */
@ApplicationScoped
public class HttpsGuard {
    private static final Logger LOG = Logger.getLogger(HttpsGuard.class);

    void onStart(@Observes StartupEvent start, HttpsConfig https) {
        https.incompleteness().ifPresent(problem -> {
            throw new IllegalStateException(problem);
        });
        if (https.clientCa().isPresent()) {
            LOG.infof("HTTPS enabled; client certificates accepted from the CA in %s, revoked per %s, "
                    + "files re-read every %s", https.clientCa().get(),
                    https.clientCrl().map(Path::toString).orElse("(no CRL)"), https.reloadPeriod());
        }
    }
}
