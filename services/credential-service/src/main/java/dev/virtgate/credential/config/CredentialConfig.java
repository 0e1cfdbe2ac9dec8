package dev.virtgate.credential.config;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Settings of the credential service ({@code virtgate.credential.*}). */
@ConfigMapping(prefix = "virtgate.credential")
public interface CredentialConfig {

    Kv kv();

    AppRole approle();

    Rotation rotation();

    OpenBao openbao();

    Consumer consumer();

    interface Kv {
        /** KV v2 mount. */
        @WithDefault("secret")
        String mount();

        /** Path inside the mount; {@code {cluster}} is replaced by the cluster id. */
        @WithDefault("virtgate/clusters/{cluster}/libvirt-sasl")
        String pathTemplate();
    }

    interface AppRole {
        @WithDefault("approle")
        String mount();

        /** How long the response-wrapped secret-id may wait to be unwrapped (single use). */
        @WithDefault("PT5M")
        Duration wrapTtl();

        /**
         * A host's tokens are periodic: renewed within this period they live on (the agent renews
         * its token and keeps it across restarts, so it logs in with its secret-id only after a
         * grant or once its token lapsed); unused for longer, they lapse. Zero = not periodic
         * ({@link #tokenTtl()}, {@link #tokenMaxTtl()}).
         */
        @WithDefault("PT72H")
        Duration tokenPeriod();

        /** TTL of a host's token when {@link #tokenPeriod()} is zero. */
        @WithDefault("PT1H")
        Duration tokenTtl();

        /** Longest life of a host's token when {@link #tokenPeriod()} is zero. */
        @WithDefault("PT24H")
        Duration tokenMaxTtl();

        /**
         * Logins a secret-id allows; 0 = unlimited. The agent logs in once per grant, then again
         * only when its token lapsed (it was stopped for longer than {@link #tokenPeriod()}) or was
         * refused: ten leave room for that and no more.
         */
        @WithDefault("10")
        int secretIdNumUses();

        /**
         * Lifetime of a secret-id; zero = no expiry. Past it, a host whose token lapsed can no longer
         * log in: it must enroll again (a new registration token) to be granted anew.
         */
        @WithDefault("P30D")
        Duration secretIdTtl();

        /** CIDR blocks a secret-id may log in from ({@code secret_id_bound_cidrs}); empty = anywhere. */
        Optional<List<String>> secretIdBoundCidrs();

        /** CIDR blocks a host's token may be used from ({@code token_bound_cidrs}); empty = anywhere. */
        Optional<List<String>> tokenBoundCidrs();

        /** The Transit verify endpoint agents may call to check signed migration commands. */
        @WithDefault("transit/verify/virtgate-migration-commands")
        String transitVerifyPath();
    }

    interface Rotation {
        /** Rotate every cluster this long after its last rotation started; empty = never by schedule. */
        Optional<Duration> interval();

        /** How often the schedule and the reconciler look at the clusters. */
        @WithDefault("10s")
        String checkEvery();

        /** A cluster's current phase is re-announced for laggards at most this often. */
        @WithDefault("PT2S")
        Duration catchUpDebounce();

        /** A phase still waiting for laggards is announced again this often (hosts that missed it). */
        @WithDefault("PT1M")
        Duration reannounceEvery();
    }

    interface OpenBao {
        @WithDefault("PT5S")
        Duration timeout();

        /** Retry-After sent with 503 while OpenBao is unreachable. */
        @WithDefault("5")
        int retryAfterSeconds();
    }

    interface Consumer {
        /**
         * Threads that verify a batch's event signatures in parallel (one ECDSA verification per
         * event is the consumer's main CPU cost during a rotation); 0 = one per available processor.
         */
        @WithDefault("0")
        int verifyThreads();
    }
}
