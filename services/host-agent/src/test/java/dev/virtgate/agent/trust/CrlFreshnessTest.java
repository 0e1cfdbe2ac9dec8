package dev.virtgate.agent.trust;

import dev.virtgate.agent.it.TestPki;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.PostureCheck;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The crl-fresh posture decision: a CRL past its nextUpdate, or none at all once certified, fails. */
class CrlFreshnessTest {
    static final TestPki PKI = new TestPki("virtgate-fresh");
    static final TestPki OTHER = new TestPki("virtgate-fresh-next");
    static final Instant NOW = Instant.now().truncatedTo(ChronoUnit.SECONDS);

    @Test
    void skippedBeforeTheHostHasACertificate() {
        assertThat(CrlFreshness.check(new AgentState(), NOW).status()).isEqualTo(CheckStatus.SKIPPED);
    }

    @Test
    void aCertifiedHostWithoutACrlFails() {
        PostureCheck c = CrlFreshness.check(certified(), NOW);
        assertThat(c.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(c.detail()).isEqualTo("no CRL applied");
    }

    @Test
    void aCrlBeforeItsNextUpdatePassesAndSaysWhenItIsDue() {
        Instant next = NOW.plus(Duration.ofHours(6));
        PostureCheck c = CrlFreshness.check(withCrls(PKI.crl(7, List.of(), next)), NOW);
        assertThat(c.status()).isEqualTo(CheckStatus.PASS);
        assertThat(c.detail()).contains("CRL 7", "nextUpdate " + next);
    }

    @Test
    void aStaleCrlFails() {
        Instant next = NOW.minus(Duration.ofMinutes(1));
        PostureCheck c = CrlFreshness.check(withCrls(PKI.crl(7, List.of(BigInteger.TEN), next)), NOW);
        assertThat(c.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(c.detail()).contains("CRL 7", "past its nextUpdate " + next);
    }

    @Test
    void oneStaleCrlAmongSeveralFails() {
        AgentState state = withCrls(PKI.crl(3, List.of(), NOW.plus(Duration.ofDays(1))),
                OTHER.crl(4, List.of(), NOW.minus(Duration.ofSeconds(1))));
        PostureCheck c = CrlFreshness.check(state, NOW);
        assertThat(c.status()).isEqualTo(CheckStatus.FAIL);
        assertThat(c.detail()).contains("CRL 4").doesNotContain("CRL 3");
    }

    @Test
    void theCheckFollowsTheClock() {
        Instant next = NOW.plus(Duration.ofMinutes(5));
        AgentState state = withCrls(PKI.crl(8, List.of(), next));
        assertThat(CrlFreshness.check(state, next.minusSeconds(1)).status()).isEqualTo(CheckStatus.PASS);
        assertThat(CrlFreshness.check(state, next).status()).isEqualTo(CheckStatus.FAIL);
    }

    static AgentState certified() {
        AgentState state = new AgentState();
        state.certPem = PKI.caPem(); // any certificate: the check only asks whether the host has one
        return state;
    }

    /** The CRLs applied as the agent applies them: trusted signer, higher number. */
    static AgentState withCrls(String... crls) {
        AgentState state = certified();
        Revocations revocations = new Revocations(state);
        for (String crl : crls) {
            assertThat(revocations.apply(crl, List.of(PKI.ca, OTHER.ca))).isEqualTo(Revocations.Result.APPLIED);
        }
        return state;
    }
}
