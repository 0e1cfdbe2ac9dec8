package dev.virtgate.agent.trust;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.identity.HostIdentity;
import dev.virtgate.agent.proxy.ProxyCredentials;
import dev.virtgate.agent.state.AgentState;

import java.util.Optional;
import java.util.function.Supplier;

/**
 * What the migration proxy presents and trusts, read for every proxied stream: the current key,
 * certificate, CAs and CRLs; none without a usable certificate. Runs on the proxy's threads, without
 * AgentService's monitor.
 */
public final class CurrentProxyCredentials implements Supplier<Optional<ProxyCredentials>> {
    private final AgentConfig config;
    private final AgentState state;
    private final HostIdentity identity;
    private final PinnedAnchors anchors;
    private final Revocations revocations;

    public CurrentProxyCredentials(AgentConfig config, AgentState state, HostIdentity identity, PinnedAnchors anchors,
            Revocations revocations) {
        this.config = config;
        this.state = state;
        this.identity = identity;
        this.anchors = anchors;
        this.revocations = revocations;
    }

    @Override
    public Optional<ProxyCredentials> get() {
        if (state.ownCertRevoked) {
            return Optional.empty();
        }
        return identity.signing().map(s -> new ProxyCredentials(s.key().privateKey(), s.chain(), anchors.anchors(),
                revocations::isRevoked, config.clusterId()));
    }
}
