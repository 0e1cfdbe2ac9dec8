package dev.virtgate.migration.service;

import dev.virtgate.migration.config.MigrationConfig;
import dev.virtgate.support.error.UnavailableException;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.vault.VaultTransitSecretEngine;
import io.quarkus.vault.transit.KeyCreationRequestDetail;
import io.quarkus.vault.transit.SigningInput;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Signs migration commands with the Transit key {@code virtgate-migration-commands} (ecdsa-p256,
 * non-exportable). The key is created on start if missing; creation is idempotent.
 */
@ApplicationScoped
public class CommandSigner {
    private static final Logger LOG = Logger.getLogger(CommandSigner.class);

    @Inject
    VaultTransitSecretEngine transit;

    @Inject
    MigrationConfig config;

    private volatile boolean keyReady;

    void onStart(@Observes StartupEvent start) {
        try {
            ensureKey();
        } catch (RuntimeException e) {
            LOG.warnf("Transit key %s not ready yet (%s); will retry on first signature", keyName(),
                    e.getClass().getSimpleName());
        }
    }

    public String keyName() {
        return config.signingKey();
    }

    /** Returns the Transit signature ({@code vault:vN:...}) over the payload; 503 when OpenBao is unreachable. */
    public String sign(byte[] payload) {
        try {
            if (!keyReady) {
                ensureKey();
            }
            return transit.sign(keyName(), new SigningInput(payload), null);
        } catch (RuntimeException e) {
            keyReady = false;
            LOG.warnf("signing with Transit key %s failed: %s", keyName(), e.getClass().getSimpleName());
            throw UnavailableException.retryAfterSeconds("the command signing service is unavailable; nothing was submitted",
                    5);
        }
    }

    synchronized void ensureKey() {
        if (keyReady) {
            return;
        }
        if (transit.readKey(keyName()).isEmpty()) {
            transit.createKey(keyName(), new KeyCreationRequestDetail().setType("ecdsa-p256"));
            LOG.infof("created Transit key %s (ecdsa-p256)", keyName());
        }
        keyReady = true;
    }
}
