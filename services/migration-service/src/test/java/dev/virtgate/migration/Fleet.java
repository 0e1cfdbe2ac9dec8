package dev.virtgate.migration;

import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.PostureCheck;
import dev.virtgate.testsupport.TestTokens;
import io.restassured.http.ContentType;
import io.restassured.response.ExtractableResponse;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import org.awaitility.Awaitility;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

import static io.restassured.RestAssured.given;

/** Registers hosts through the API and plays their agents and pki-service on the bus, with genuine signatures. */
public final class Fleet {
    public static final String OPERATOR = TestTokens.operator("alice");
    public static final String VIEWER = TestTokens.viewer("bob");
    static final String CRL = "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n";
    private static final AtomicInteger SEQ = new AtomicInteger();

    /** A registered host, its one-time token and its (simulated) agent. */
    public record Host(String id, String cluster, String fqdn, String token, String migrationAddress,
            SimulatedAgent agent) {
    }

    public static RequestSpecification operator() {
        return given().auth().oauth2(OPERATOR).contentType(ContentType.JSON);
    }

    public static RequestSpecification viewer() {
        return given().auth().oauth2(VIEWER).contentType(ContentType.JSON);
    }

    public static String unique(String prefix) {
        return prefix + "-" + System.nanoTime() % 1_000_000 + "-" + SEQ.incrementAndGet();
    }

    public static Host register(String cluster) {
        return register(cluster, true);
    }

    public static Host register(String cluster, boolean withMigrationNetwork) {
        String id = unique("h");
        String fqdn = id + ".lab.virtgate.test";
        int n = SEQ.incrementAndGet();
        String migration = "10.78." + (n / 250) + "." + (n % 250 + 1);
        ExtractableResponse<Response> r = operator().body(Map.of("hostId", id, "clusterId", cluster, "fqdn", fqdn,
                        "managementAddresses", List.of("10.77." + (n / 250) + "." + (n % 250 + 1)),
                        "migrationAddresses", withMigrationNetwork ? List.of(migration) : List.of()))
                .post("/v1/hosts").then().statusCode(201).extract();
        return new Host(id, cluster, fqdn, r.path("enrollmentToken"), withMigrationNetwork ? migration : null,
                new SimulatedAgent(id, cluster, fqdn));
    }

    /** Enrolment, certificate and a passing posture report, each signed by its producer: the host becomes TLS-ready. */
    public static void makeTlsReady(Host host, boolean nativeTls) {
        makeTlsReady(host, nativeTls, false);
    }

    /** Like {@link #makeTlsReady(Host, boolean)}; {@code multifdTls}: the agent reports parallel migration with TLS. */
    public static void makeTlsReady(Host host, boolean nativeTls, boolean multifdTls) {
        Bus.publish(host.agent().enrolled(host.token(), caps(nativeTls, multifdTls)));
        Bus.publish(TestTrust.pki(), host.agent().certIssued("ENROLLMENT"));
        configured(host, host.agent().serial(), true, true, nativeTls, CheckStatus.PASS);
        awaitTlsReady(host, true);
    }

    /**
     * TLS-ready with native TLS, its agent offering its migration proxy on {@code proxyPort} (TLS_AGENT_PROXY)
     * at enrolment and in its report.
     */
    public static void makeProxyReady(Host host, int proxyPort) {
        Bus.publish(host.agent().enrolled(host.token(), proxyCaps(proxyPort)));
        Bus.publish(TestTrust.pki(), host.agent().certIssued("ENROLLMENT"));
        reportsProxyPort(host, proxyPort);
        awaitTlsReady(host, true);
    }

    /** A passing report that states the agent's migration proxy port ({@code null}: not offered now). */
    public static void reportsProxyPort(Host host, Integer proxyPort) {
        HostConfigured r = report(host, host.agent().serial(), true, true, true, CheckStatus.PASS, Instant.now());
        Bus.publish(host.agent().producer(), new HostConfigured(r.hostId(), r.clusterId(), r.appliedCertSerial(),
                r.certNotAfter(), r.credentialRotationId(), r.credentialVersion(), r.credentialPhase(), r.tlsListening(),
                r.saslListening(), r.nativeTlsMigration(), r.posture(), r.configDigest(), r.probedAt(), null,
                proxyPort));
    }

    /** pki-service renewed the host's certificate; returns the new serial. The agent has not applied it yet. */
    public static String renew(Host host) {
        host.agent().renew();
        Bus.publish(TestTrust.pki(), host.agent().certIssued("RENEWAL"));
        return host.agent().serial();
    }

    public static void revoke(Host host, String serial) {
        Bus.publish(TestTrust.pki(), new CertRevoked(host.id(), host.cluster(), serial, "O=virtgate,CN=" + host.fqdn(),
                "superseded", Instant.now().minusSeconds(5), CRL));
    }

    /** The agent's report, signed with its host key. */
    public static void configured(Host host, String serial, boolean tls, boolean sasl, boolean nativeTls,
            CheckStatus check) {
        Bus.publish(host.agent().producer(), report(host, serial, tls, sasl, nativeTls, check, Instant.now()));
    }

    public static HostConfigured report(Host host, String serial, boolean tls, boolean sasl, boolean nativeTls,
            CheckStatus check, Instant probedAt) {
        return new HostConfigured(host.id(), host.cluster(), serial, Instant.now().plus(Duration.ofDays(30)),
                "rot-1", 1, CredentialPhase.ACTIVE, tls, sasl, nativeTls,
                List.of(new PostureCheck("unauthenticated-tcp-refused", check, null)), null, probedAt);
    }

    /** A passing report that re-states multifdTls ({@code null}: an agent older than that field). */
    public static void reportsMultifdTls(Host host, Boolean multifdTls) {
        HostConfigured r = report(host, host.agent().serial(), true, true, true, CheckStatus.PASS, Instant.now());
        Bus.publish(host.agent().producer(), new HostConfigured(r.hostId(), r.clusterId(), r.appliedCertSerial(),
                r.certNotAfter(), r.credentialRotationId(), r.credentialVersion(), r.credentialPhase(), r.tlsListening(),
                r.saslListening(), r.nativeTlsMigration(), r.posture(), r.configDigest(), r.probedAt(), multifdTls));
    }

    public static void revoke(Host host) {
        String serial = given().auth().oauth2(OPERATOR).get("/v1/hosts/" + host.id()).then().extract()
                .path("certificate.serial");
        Bus.publish(TestTrust.pki(), new CertRevoked(host.id(), host.cluster(), serial, "O=virtgate,CN=" + host.fqdn(),
                "keyCompromise", Instant.now().minusSeconds(7200), CRL));
    }

    public static void awaitTlsReady(Host host, boolean ready) {
        Awaitility.await("host " + host.id() + " tlsReady=" + ready).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().auth().oauth2(OPERATOR).get("/v1/hosts/" + host.id()).then().extract()
                        .<Boolean>path("tlsReady") == ready);
    }

    /** An agent from before multifdTls (it reports none). */
    static HostCapabilities caps(boolean nativeTls) {
        return caps(nativeTls, false);
    }

    static HostCapabilities caps(boolean nativeTls, boolean multifdTls) {
        return new HostCapabilities("9.0.0", "7.2.0", nativeTls, true, List.of("scram-sha-256", "digest-md5"),
                List.of("tcp:16509", "tls:16514"), "0a6d8f8e-5c1d-4f0e-9b6a-2f5e0c1d7a11", "0.1.0", multifdTls);
    }

    /** An agent with native TLS whose migration proxy listens on {@code proxyPort}. */
    static HostCapabilities proxyCaps(int proxyPort) {
        HostCapabilities c = caps(true, false);
        return new HostCapabilities(c.libvirtVersion(), c.qemuVersion(), c.nativeTlsMigration(), c.tlsReloadSupported(),
                c.saslMechanisms(), c.listeners(), c.hostUuid(), c.agentVersion(), c.multifdTls(), proxyPort);
    }

    public static Map<String, Object> migration(String vm, Host source, Host destination) {
        return Map.of("vmName", vm, "sourceHostId", source.id(), "destinationHostId", destination.id());
    }

    private Fleet() {
    }
}
