package dev.virtgate.agent.service;

import dev.virtgate.agent.messaging.EventSpool;
import dev.virtgate.agent.trust.PinnedAnchors;
import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.trust.EventRefusedException;
import dev.virtgate.contracts.trust.EventSignatures;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.BiConsumer;

/**
 * Signed events that arrive before the agent has kept its first anchor and cannot be verified yet
 * (a HostAccessGranted on one topic may overtake the CertIssued on another that pins the CA). They
 * wait in a spool in the state directory, so a restart does not lose them, and are verified like
 * any other event once the first anchor is pinned; what does not verify then is dropped. Unsigned
 * events are never kept, and at most {@value #LIMIT} are, so nobody can fill the disk.
 */
final class UntilPinned {
    private static final Logger LOG = Logger.getLogger(UntilPinned.class);
    static final int LIMIT = 200;

    private final EventSpool spool;
    private final PinnedAnchors anchors;

    UntilPinned(Path dir, PinnedAnchors anchors) {
        this.spool = new EventSpool(dir);
        this.anchors = anchors;
    }

    /** Keeps the event when it may verify once pinned; false when it must be refused now. */
    boolean park(Map<String, String> headers, byte[] payload) {
        if (!anchors.anchors().isEmpty() || anchors.pin().isEmpty() || spool.size() >= LIMIT
                || headers.get(EventSignatures.SIGNER_CHAIN) == null) {
            return false;
        }
        spool.release(spool.write(new EventSpool.Entry(headers.get(CloudEventHeaders.TYPE),
                headers.get(CloudEventHeaders.SUBJECT), headers, new String(payload, StandardCharsets.UTF_8))));
        LOG.infof("%s for %s kept until this host has pinned its CA", headers.get(CloudEventHeaders.TYPE),
                headers.get(CloudEventHeaders.SUBJECT));
        return true;
    }

    /** Once pinned, hands every kept event (oldest first) to {@code receive}, then forgets it. */
    void release(BiConsumer<Map<String, String>, byte[]> receive) {
        if (anchors.anchors().isEmpty()) {
            return;
        }
        List<EventSpool.Pending> pending = spool.claimPending();
        for (EventSpool.Pending p : pending) {
            try {
                receive.accept(p.entry().headers(), p.entry().payload().getBytes(StandardCharsets.UTF_8));
            } catch (EventRefusedException e) {
                LOG.debugf("a kept %s was refused once verifiable: dropped", p.entry().headers().get(CloudEventHeaders.TYPE));
            } catch (RuntimeException e) {
                LOG.warnf("a kept %s for %s was dropped: %s", p.entry().headers().get(CloudEventHeaders.TYPE),
                        p.entry().key(), e.getMessage());
            } finally {
                spool.delivered(p);
            }
        }
    }
}
