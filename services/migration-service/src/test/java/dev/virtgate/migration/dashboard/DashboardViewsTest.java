package dev.virtgate.migration.dashboard;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.contracts.events.PolicyMode;
import dev.virtgate.migration.negotiation.ClusterPolicy;
import dev.virtgate.migration.negotiation.HostState;
import dev.virtgate.migration.negotiation.Negotiator;
import dev.virtgate.migration.rest.HostView;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The dashboard's view models: expiry colours, a host's line, the pair matrix's cap, the CSRF token. */
class DashboardViewsTest {
    static final Instant NOW = Instant.parse("2026-11-29T12:00:00Z");

    @Test
    void expiryIsRedUnderSevenDaysOrRevokedAmberUnderTenGreenOtherwise() {
        assertThat(ExpiryColour.of(cert(Duration.ofDays(6).plusHours(23), false), NOW)).isEqualTo(ExpiryColour.RED);
        assertThat(ExpiryColour.of(cert(Duration.ofDays(-1), false), NOW)).isEqualTo(ExpiryColour.RED);
        assertThat(ExpiryColour.of(cert(Duration.ofDays(25), true), NOW)).isEqualTo(ExpiryColour.RED);
        assertThat(ExpiryColour.of(cert(Duration.ofDays(7), false), NOW)).isEqualTo(ExpiryColour.AMBER);
        assertThat(ExpiryColour.of(cert(Duration.ofDays(9), false), NOW)).isEqualTo(ExpiryColour.AMBER);
        assertThat(ExpiryColour.of(cert(Duration.ofDays(10), false), NOW)).isEqualTo(ExpiryColour.GREEN);
        assertThat(ExpiryColour.of(null, NOW)).isEqualTo(ExpiryColour.NONE);
        assertThat(ExpiryColour.RED.css()).isEqualTo("expiry-red");
    }

    @Test
    void aHostLineSaysWhatFailsAndWhy() throws Exception {
        HostView view = new HostView("h1", "c1", "h1.example.org", "ENROLLED", List.of(), List.of(), List.of(), NOW,
                "alice", null, NOW, null, null, null, cert(Duration.ofDays(3), false),
                new HostView.Credential(4, "ACTIVE"),
                new HostView.Posture(NOW.minusSeconds(42), 42, true, false, true, true, true, new ObjectMapper()
                        .readTree("[{\"name\":\"unauthenticated-tcp-refused\",\"status\":\"FAIL\",\"detail\":\"open\"},"
                                + "{\"name\":\"tls-listening\",\"status\":\"PASS\"}]")),
                false, List.of("host: posture check unauthenticated-tcp-refused failed"));
        HostRow row = HostRow.of(view, NOW);
        assertThat(row.postureText()).isEqualTo("failing: unauthenticated-tcp-refused");
        assertThat(row.postureFailing()).isTrue();
        assertThat(row.expiryText()).isEqualTo("3 days left");
        assertThat(row.expiry()).isEqualTo(ExpiryColour.RED);
        assertThat(row.credentialText()).isEqualTo("v4 ACTIVE");
        assertThat(row.probeAge()).isEqualTo("42s ago");
        assertThat(row.tlsProblems()).containsExactly("host: posture check unauthenticated-tcp-refused failed");

        HostRow fresh = HostRow.of(new HostView("h2", "c1", "h2.example.org", "REGISTERED", List.of(), List.of(),
                List.of(), NOW, "alice", NOW, null, null, null, null, null, null, null, false, List.of("no certificate")),
                NOW);
        assertThat(fresh.postureText()).isEqualTo("no report yet");
        assertThat(fresh.expiryText()).isEqualTo("no certificate");
        assertThat(fresh.credentialText()).isEqualTo("none yet");
        assertThat(fresh.probeAge()).isEqualTo("never");
    }

    @Test
    void theMatrixIsCappedAndSaysSo() {
        List<HostState> hosts = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            hosts.add(new HostState(String.format("h%02d", i), "c1", "h" + i + ".example.org", null, null, null, null,
                    null, null, false, false, false, false, null, null, null, null, null, null));
        }
        PairMatrix matrix = PairMatrix.of("c1", hosts, 40, ClusterPolicy.DEFAULT, new Negotiator(Duration.ofMinutes(3)),
                NOW);
        assertThat(matrix.capped()).isTrue();
        assertThat(matrix.totalHosts()).isEqualTo(40);
        assertThat(matrix.hostIds()).hasSize(PairMatrix.CAP);
        assertThat(matrix.rows()).hasSize(PairMatrix.CAP).allSatisfy(r -> assertThat(r.cells()).hasSize(PairMatrix.CAP));
        PairMatrix.Cell pair = matrix.rows().get(0).cells().get(1);
        assertThat(pair.label()).isEqualTo("refused");
        assertThat(pair.reasons()).contains("source has no certificate", "REQUIRE_TLS");
        assertThat(matrix.rows().get(1).cells().get(1).self()).isTrue();

        PairMatrix small = PairMatrix.of("c1", hosts.subList(0, 3), 3, ClusterPolicy.DEFAULT,
                new Negotiator(Duration.ofMinutes(3)), NOW);
        assertThat(small.capped()).isFalse();
    }

    /** The agents' proxy is TLS between verified hosts: green like QEMU's and libvirt's own TLS. */
    @Test
    void anAgentProxyPairIsShownAsTls() {
        List<HostState> hosts = new ArrayList<>();
        for (String id : List.of("a", "b")) {
            hosts.add(new HostState(id, "c1", id + ".example.org", null, "0af3", NOW.minusSeconds(3600),
                    NOW.plusSeconds(86_400), null, "0af3", true, true, true, false, 16516, 1, true, null,
                    NOW.minusSeconds(30), null));
        }
        PairMatrix matrix = PairMatrix.of("c1", hosts, 2, new ClusterPolicy(PolicyMode.REQUIRE_TLS, null, null, true),
                new Negotiator(Duration.ofMinutes(3)), NOW);
        PairMatrix.Cell pair = matrix.rows().get(0).cells().get(1);
        assertThat(pair.label()).isEqualTo("TLS_AGENT_PROXY");
        assertThat(pair.css()).isEqualTo("mode-tls");
        assertThat(pair.reasons()).contains("inside TLS they terminate");
    }

    @Test
    void theCsrfTokenBelongsToTheSessionToken() {
        String token = DashboardSession.csrfToken("jwt-a");
        assertThat(DashboardSession.csrfValid("jwt-a", token)).isTrue();
        assertThat(DashboardSession.csrfValid("jwt-b", token)).isFalse();
        assertThat(DashboardSession.csrfValid("jwt-a", null)).isFalse();
        assertThat(DashboardSession.csrfValid(null, token)).isFalse();
        assertThat(token).doesNotContain("jwt-a");
    }

    private static HostView.Certificate cert(Duration left, boolean revoked) {
        Instant notAfter = NOW.plus(left);
        return new HostView.Certificate("0a1b", NOW.minus(Duration.ofDays(20)), notAfter, !NOW.isBefore(notAfter),
                revoked, revoked ? NOW : null, "0a1b");
    }
}
