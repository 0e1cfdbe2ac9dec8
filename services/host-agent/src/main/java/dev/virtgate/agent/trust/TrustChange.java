package dev.virtgate.agent.trust;

import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;

/** What a certificate event did to the trust state: nothing, a change to apply, or a refusal to report. */
public record TrustChange(boolean changed, PostureCheck refusal) {
    public static final TrustChange NONE = new TrustChange(false, null);
    public static final TrustChange CHANGED = new TrustChange(true, null);

    public static TrustChange refused(String check, String detail) {
        return new TrustChange(false, new PostureCheck(check, CheckStatus.FAIL, detail));
    }

    public static TrustChange of(boolean changed) {
        return changed ? CHANGED : NONE;
    }
}
