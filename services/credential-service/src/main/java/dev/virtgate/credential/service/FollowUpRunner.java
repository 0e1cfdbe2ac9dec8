package dev.virtgate.credential.service;

import dev.virtgate.credential.openbao.OpenBaoException;
import dev.virtgate.credential.openbao.OpenBaoUnavailableException;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

/**
 * Runs the OpenBao side of committed host events. A failure leaves the work pending in the
 * database; the reconciler retries it, so an OpenBao outage never blocks the event stream.
 */
@ApplicationScoped
public class FollowUpRunner {
    private static final Logger LOG = Logger.getLogger(FollowUpRunner.class);

    @Inject
    CredentialService credentials;

    @Inject
    HostAccessService access;

    /** Revocations first: a grant waits for the host's earlier access to be gone, an owed rotation for both. */
    public void run(HostEventsProcessor.FollowUps followUps) {
        followUps.revocations().forEach(h -> attempt("access revocation of " + h, () -> access.revoke(h)));
        followUps.clustersWithoutCredential().forEach(c -> attempt("initial credential of " + c,
                () -> credentials.ensureInitial(c)));
        followUps.grants().forEach(h -> attempt("access grant of " + h, () -> access.grant(h)));
        followUps.owedRotations().forEach(c -> attempt("owed rotation of " + c, () -> credentials.rotateOwed(c)));
    }

    public static void attempt(String what, Runnable action) {
        try {
            action.run();
        } catch (OpenBaoUnavailableException | OpenBaoException e) {
            LOG.warnf("%s postponed: %s", what, e.getMessage());
        } catch (RuntimeException e) {
            LOG.warnf("%s failed, will retry: %s", what, e.getClass().getSimpleName());
        }
    }
}
