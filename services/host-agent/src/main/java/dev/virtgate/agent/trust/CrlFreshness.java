package dev.virtgate.agent.trust;

import dev.virtgate.agent.pki.Pem;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;

import java.security.cert.X509CRL;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The posture check {@value #CHECK}: libvirtd (gnutls) must never serve a CRL past its
 * {@code nextUpdate}, and a host with a certificate must have one. pki-service re-signs and
 * publishes its CRLs (CrlPublished) well before that; a stale one means the host stopped hearing
 * from it. Skipped before the host has a certificate (nothing is served over TLS yet).
 */
public final class CrlFreshness {
    public static final String CHECK = "crl-fresh";

    public static PostureCheck check(AgentState state, Instant now) {
        if (state.certPem == null) {
            return new PostureCheck(CHECK, CheckStatus.SKIPPED, "no certificate yet");
        }
        if (state.crls.isEmpty()) {
            return new PostureCheck(CHECK, CheckStatus.FAIL, "no CRL applied");
        }
        List<String> stale = new ArrayList<>();
        List<String> next = new ArrayList<>();
        for (Map.Entry<String, AgentState.AppliedCrl> e : state.crls.entrySet()) {
            X509CRL crl = Pem.crl(e.getValue().pem());
            String which = "CRL " + e.getValue().number() + " of " + e.getKey();
            if (crl.getNextUpdate() == null) {
                next.add(which + ": no nextUpdate");
                continue;
            }
            Instant nextUpdate = crl.getNextUpdate().toInstant();
            next.add(which + ": nextUpdate " + nextUpdate);
            if (!nextUpdate.isAfter(now)) {
                stale.add(which + " is past its nextUpdate " + nextUpdate);
            }
        }
        return stale.isEmpty() ? new PostureCheck(CHECK, CheckStatus.PASS, String.join("; ", next))
                : new PostureCheck(CHECK, CheckStatus.FAIL, String.join("; ", stale));
    }

    private CrlFreshness() {
    }
}
