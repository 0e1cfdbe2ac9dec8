package dev.virtgate.migration;

import dev.virtgate.contracts.events.MigrationMode;
import dev.virtgate.contracts.events.MigrationRequested;
import dev.virtgate.contracts.migration.ProxyRoute;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.ValidatableResponse;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.anEmptyMap;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;
import static org.hamcrest.Matchers.nullValue;

/**
 * TLS_AGENT_PROXY end to end in this service: the ports the agents report, the cluster's opt-in, the plan,
 * and the signed command that carries the destination agent's proxy route.
 */
@QuarkusTest
class AgentProxyTest {

    @Test
    void aProxiedMigrationIsSignedWithItsRoute() throws Exception {
        Fleet.Host a = Fleet.register("apx-c");
        Fleet.Host b = Fleet.register("apx-c");
        Fleet.Host byName = Fleet.register("apx-c", false);
        Fleet.makeProxyReady(a, 16516);
        Fleet.makeProxyReady(b, 16517);
        Fleet.makeProxyReady(byName, 16518);
        Fleet.viewer().get("/v1/hosts/" + b.id()).then().body("migrationProxyPort", is(16517));
        plan(a, b).body("mode", is("TLS_NATIVE")).body("proxyRoute", nullValue()); // not opted in

        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS", "agentTlsProxy", true)).put("/v1/clusters/apx-c/policy")
                .then().statusCode(200).body("agentTlsProxy", is(true));
        plan(a, b).body("mode", is("TLS_AGENT_PROXY"))
                .body("destinationUri", is("qemu+tls://" + b.fqdn() + "/system"))
                .body("flags", contains("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE"))
                .body("parameters", anEmptyMap())
                .body("proxyRoute.address", is(b.migrationAddress())).body("proxyRoute.port", is(16517))
                .body("proxyRoute.serverName", is(b.fqdn()))
                .body("reasons", hasItem("the agents carry the memory stream inside TLS they terminate, both host"
                        + " certificates verified; QEMU's stream is in clear only on each host's loopback"));
        plan(a, byName).body("proxyRoute.address", is(byName.fqdn())).body("proxyRoute.port", is(16518));

        Map<String, Object> body = new HashMap<>(Fleet.migration("vm-apx", a, b));
        body.put("bandwidthMiBps", 100);
        String id = Fleet.operator().body(body).post("/v1/migrations").then().statusCode(202)
                .body("mode", is("TLS_AGENT_PROXY")).body("proxyRoute.port", is(16517)).extract().path("id");
        MigrationRequested command = Bus.decode(MigrationApiTest.awaitCommand(id, "virtgate.migration.requested.v1"),
                MigrationRequested.class);
        assertThat(command.mode()).isEqualTo(MigrationMode.TLS_AGENT_PROXY);
        assertThat(command.proxyRoute()).isEqualTo(new ProxyRoute(b.migrationAddress(), 16517, b.fqdn()));
        assertThat(command.flags()).containsExactly("LIVE", "PEER2PEER", "PERSIST_DEST", "UNDEFINE_SOURCE");
        assertThat(command.parameters()).containsExactly(Map.entry("bandwidth", "100"));
        assertThat(Signatures.verify(MigrationApiTest.KEY, command.signingPayload(), command.signature())).isTrue();
        // the route is signed: nobody on the bus can send the stream elsewhere, or drop the route
        for (ProxyRoute other : new ProxyRoute[] {new ProxyRoute("198.51.100.66", 16517, b.fqdn()),
                new ProxyRoute(b.migrationAddress(), 16517, "evil.example.test"), null}) {
            assertThat(Signatures.verify(MigrationApiTest.KEY, withRoute(command, other).signingPayload(),
                    command.signature())).as(String.valueOf(other)).isFalse();
        }
        Fleet.viewer().get("/v1/migrations/" + id).then().statusCode(200)
                .body("proxyRoute.address", is(b.migrationAddress())).body("proxyRoute.port", is(16517))
                .body("proxyRoute.serverName", is(b.fqdn()));
    }

    /** Every report states the port anew: a report without it means the agent no longer offers the proxy. */
    @Test
    void theProxyPortFollowsTheAgentsReports() {
        Fleet.Host a = Fleet.register("apx-r");
        Fleet.Host b = Fleet.register("apx-r");
        Fleet.makeProxyReady(a, 16516);
        Fleet.makeProxyReady(b, 16516);
        Fleet.operator().body(Map.of("mode", "REQUIRE_TLS", "agentTlsProxy", true)).put("/v1/clusters/apx-r/policy")
                .then().statusCode(200);
        plan(a, b).body("mode", is("TLS_AGENT_PROXY"));

        Fleet.reportsProxyPort(b, null);
        awaitMode(a, b, "TLS_NATIVE");
        awaitProxyPort(b, null);
        plan(a, b).body("proxyRoute", nullValue()).body("reasons", hasItem("cluster policy sets agentTlsProxy, but the"
                + " destination agent offers no migration proxy (no migrationProxyPort reported): QEMU native TLS or"
                + " libvirt's tunnel instead"));

        Fleet.reportsProxyPort(b, 16600);
        awaitMode(a, b, "TLS_AGENT_PROXY");
        plan(a, b).body("proxyRoute.port", is(16600));
    }

    /** Enrolment states the port until the first report; the report then says what holds. */
    @Test
    void enrolmentStatesThePortUntilTheFirstReport() {
        Fleet.Host h = Fleet.register("apx-e");
        Bus.publish(h.agent().enrolled(h.token(), Fleet.proxyCaps(16520)));
        awaitProxyPort(h, 16520);
        Bus.publish(TestTrust.pki(), h.agent().certIssued("ENROLLMENT"));
        Fleet.reportsProxyPort(h, null);
        awaitProxyPort(h, null);
    }

    static void awaitProxyPort(Fleet.Host host, Integer port) {
        Awaitility.await(host.id() + " migrationProxyPort=" + port).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100)).until(() -> java.util.Objects.equals(port,
                        Fleet.viewer().get("/v1/hosts/" + host.id()).then().extract().path("migrationProxyPort")));
    }

    static ValidatableResponse plan(Fleet.Host source, Fleet.Host destination) {
        return Fleet.viewer().body(Fleet.migration("vm-apx-plan", source, destination)).post("/v1/migrations/plan")
                .then().statusCode(200);
    }

    static void awaitMode(Fleet.Host source, Fleet.Host destination, String mode) {
        Awaitility.await("plan " + source.id() + " -> " + destination.id() + " " + mode).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> mode.equals(plan(source, destination).extract().path("mode")));
    }

    static MigrationRequested withRoute(MigrationRequested c, ProxyRoute route) {
        return new MigrationRequested(c.migrationId(), c.vmName(), c.clusterId(), c.sourceHostId(),
                c.destinationHostId(), c.destinationUri(), c.flags(), c.parameters(), c.mode(), c.reasons(),
                c.requestedBy(), c.requestedAt(), c.notAfter(), c.signingKey(), c.signature(), route);
    }
}
