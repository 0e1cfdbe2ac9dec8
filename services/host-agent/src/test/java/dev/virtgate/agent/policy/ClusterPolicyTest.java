package dev.virtgate.agent.policy;

import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.PolicyMode;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class ClusterPolicyTest {
    static ClusterPolicyChanged policy(String cluster, PolicyMode mode, Instant expires, long revision) {
        return new ClusterPolicyChanged(cluster, mode, expires, true, revision, Instant.now());
    }

    @Test
    void theHighestRevisionOfTheOwnClusterWins() {
        AgentState s = new AgentState();
        assertThat(ClusterPolicy.of(s).mode()).isEqualTo(PolicyMode.REQUIRE_TLS);
        assertThat(ClusterPolicy.of(s).saslOnTls()).isTrue();
        assertThat(ClusterPolicy.accept(s, "lab", policy("other", PolicyMode.ALLOW_SASL_FALLBACK, null, 5))).isFalse();
        assertThat(ClusterPolicy.accept(s, "lab", policy("lab", PolicyMode.ALLOW_SASL_FALLBACK, null, 3))).isTrue();
        assertThat(ClusterPolicy.accept(s, "lab", policy("lab", PolicyMode.REQUIRE_TLS, null, 2))).isFalse();
        assertThat(ClusterPolicy.accept(s, "lab", policy("lab", PolicyMode.REQUIRE_TLS, null, 3))).isFalse();
        assertThat(ClusterPolicy.of(s).mode()).isEqualTo(PolicyMode.ALLOW_SASL_FALLBACK);
        assertThat(ClusterPolicy.accept(s, "lab", policy("lab", PolicyMode.REQUIRE_TLS, null, 4))).isTrue();
        assertThat(ClusterPolicy.of(s).mode()).isEqualTo(PolicyMode.REQUIRE_TLS);
    }

    @Test
    void theWindowsEndReappliesOnceAndAClosedPolicyCancelsIt() {
        AtomicInteger applies = new AtomicInteger();
        PolicyWindow window = new PolicyWindow(applies::incrementAndGet, Clock.systemUTC());
        Instant end = Instant.now().plusMillis(500);
        window.follow(policy("lab", PolicyMode.UPGRADE_WINDOW, end, 1));
        window.follow(policy("lab", PolicyMode.UPGRADE_WINDOW, end, 1)); // the same end: still one timer
        assertThat(window.pendingAt()).isEqualTo(end);
        await().atMost(Duration.ofSeconds(5)).until(() -> applies.get() == 1);
        assertThat(window.pendingAt()).isNull();

        window.follow(policy("lab", PolicyMode.UPGRADE_WINDOW, Instant.now().plusSeconds(1), 2));
        window.follow(policy("lab", PolicyMode.REQUIRE_TLS, null, 3));
        assertThat(window.pendingAt()).isNull();
        await().during(Duration.ofMillis(1500)).atMost(Duration.ofSeconds(3)).until(() -> applies.get() == 1);
    }
}
