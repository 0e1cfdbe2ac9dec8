package dev.virtgate.migration;

import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CredentialPhase;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
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

/** Registers hosts through the API and plays their agents and the PKI on the bus. */
public final class Fleet {
    public static final String OPERATOR = TestTokens.operator("alice");
    public static final String VIEWER = TestTokens.viewer("bob");
    static final String CSR = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";
    static final String CERT = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
    private static final AtomicInteger SEQ = new AtomicInteger();

    public record Host(String id, String cluster, String fqdn, String token, String migrationAddress) {
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
        return new Host(id, cluster, fqdn, r.path("enrollmentToken"), withMigrationNetwork ? migration : null);
    }

    /** Enrolment, certificate and a passing posture report: the host becomes TLS-ready. */
    public static void makeTlsReady(Host host, boolean nativeTls) {
        String serial = Long.toHexString(System.nanoTime());
        Instant now = Instant.now();
        Bus.publish(new HostEnrolled(host.id(), host.cluster(), host.fqdn(), CSR, host.token(), caps(nativeTls)));
        Bus.publish(new CertIssued(host.id(), host.cluster(), serial, "CN=" + host.fqdn() + ",OU=" + host.cluster()
                + ",O=virtgate", "O=virtgate,OU=" + host.cluster() + ",CN=" + host.fqdn(), CERT, List.of(),
                List.of(CERT), now.minusSeconds(3600), now.plus(Duration.ofDays(30)), "ENROLLMENT"));
        configured(host, serial, true, true, nativeTls, CheckStatus.PASS);
        awaitTlsReady(host, true);
    }

    /** pki-service renewed the host's certificate; returns the new serial. The agent has not applied it yet. */
    public static String renew(Host host) {
        String serial = Long.toHexString(System.nanoTime());
        Instant now = Instant.now();
        Bus.publish(new CertIssued(host.id(), host.cluster(), serial, "CN=" + host.fqdn() + ",OU=" + host.cluster()
                + ",O=virtgate", "O=virtgate,OU=" + host.cluster() + ",CN=" + host.fqdn(), CERT, List.of(),
                List.of(CERT), now.minusSeconds(60), now.plus(Duration.ofDays(30)), "RENEWAL"));
        return serial;
    }

    public static void revoke(Host host, String serial) {
        Bus.publish(new CertRevoked(host.id(), host.cluster(), serial, "O=virtgate,CN=" + host.fqdn(),
                "superseded", Instant.now().minusSeconds(5), "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n"));
    }

    public static void configured(Host host, String serial, boolean tls, boolean sasl, boolean nativeTls,
            CheckStatus check) {
        Bus.publish(new HostConfigured(host.id(), host.cluster(), serial, Instant.now().plus(Duration.ofDays(30)),
                "rot-1", 1, CredentialPhase.ACTIVE, tls, sasl, nativeTls,
                List.of(new PostureCheck("unauthenticated-tcp-refused", check, null)), null, Instant.now()));
    }

    public static void revoke(Host host) {
        String serial = given().auth().oauth2(OPERATOR).get("/v1/hosts/" + host.id()).then().extract()
                .path("certificate.serial");
        Bus.publish(new CertRevoked(host.id(), host.cluster(), serial, "O=virtgate,CN=" + host.fqdn(),
                "keyCompromise", Instant.now().minusSeconds(7200),
                "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n"));
    }

    public static void awaitTlsReady(Host host, boolean ready) {
        Awaitility.await("host " + host.id() + " tlsReady=" + ready).atMost(Duration.ofSeconds(30))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> given().auth().oauth2(OPERATOR).get("/v1/hosts/" + host.id()).then().extract()
                        .<Boolean>path("tlsReady") == ready);
    }

    static HostCapabilities caps(boolean nativeTls) {
        return new HostCapabilities("9.0.0", "7.2.0", nativeTls, true, List.of("scram-sha-256", "digest-md5"),
                List.of("tcp:16509", "tls:16514"), "0a6d8f8e-5c1d-4f0e-9b6a-2f5e0c1d7a11", "0.1.0");
    }

    public static Map<String, Object> migration(String vm, Host source, Host destination) {
        return Map.of("vmName", vm, "sourceHostId", source.id(), "destinationHostId", destination.id());
    }

    private Fleet() {
    }
}
