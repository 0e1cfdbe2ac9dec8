package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.contracts.events.CertIssued;
import dev.virtgate.contracts.events.HostRegistered;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.Fixtures;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.testsupport.trust.TestCsr;
import dev.virtgate.testsupport.trust.TestKeys;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.is;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class IssuanceRestTest {

    record Host(HostRegistered registration, String token, KeyPair key) {
        String id() {
            return registration.hostId();
        }

        String csr() {
            return TestCsr.pem(key, registration.fqdn(), List.of(registration.fqdn()),
                    List.of(registration.managementAddresses().get(0)));
        }
    }

    static Host newHost(String prefix) {
        String token = Fixtures.token();
        HostRegistered registration = Fixtures.registered(Fixtures.hostId(prefix), token);
        PkiState.register(registration);
        return new Host(registration, token, TestKeys.p256());
    }

    /** The host's CSR with the enrollment proof an agent holding {@code token} makes for it. */
    static ValidatableResponse post(Host host, String csr, String token) {
        return postProof(host.id(), csr, Fixtures.proof(host.registration(), token, csr));
    }

    static ValidatableResponse post(Host host) {
        return post(host, host.csr(), host.token());
    }

    static ValidatableResponse postProof(String hostId, String csr, String proof) {
        return given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("hostId", hostId, "csrPem", csr, "enrollmentProof", proof))
                .post("/v1/certificates").then();
    }

    @Test
    void issuedCertificateVerifiesWithOpensslAndPkixAndCarriesTheHostsNames() throws Exception {
        Host host = newHost("rest");
        var body = post(host).statusCode(201).extract().jsonPath();
        String certPem = body.getString("certificatePem");
        String bundle = String.join("", body.getList("caBundlePem", String.class));
        String caPem = given().get("/v1/ca").then().extract().asString();

        Certs.Result openssl = Certs.opensslVerify(caPem, certPem, null);
        assertThat(openssl.ok()).as(openssl.output()).isTrue();
        assertThat(Certs.opensslVerify(bundle, certPem, null).ok()).isTrue();
        Certs.pkixValidate(caPem, certPem);

        X509CertificateHolder cert = Pem.certificate(certPem);
        String serial = body.getString("serial");
        assertThat(serial).matches("[0-9a-f]{1,32}").isEqualTo(cert.getSerialNumber().toString(16));
        assertThat(cert.getSerialNumber().bitLength()).isGreaterThan(100).isLessThanOrEqualTo(128);
        assertThat(cert.getSubject().toString()).isEqualTo("O=virtgate,OU=cluster-a,CN=" + host.registration().fqdn());
        assertThat(body.getString("subjectDn")).isEqualTo("CN=" + host.registration().fqdn() + ",OU=cluster-a,O=virtgate");
        assertThat(body.getString("libvirtDn")).isEqualTo("O=virtgate,OU=cluster-a,CN=" + host.registration().fqdn());
        KeyUsage ku = KeyUsage.fromExtensions(cert.getExtensions());
        assertThat(ku.hasUsages(KeyUsage.digitalSignature | KeyUsage.keyEncipherment)).isTrue();
        assertThat(ku.hasUsages(KeyUsage.keyCertSign)).isFalse();
        ExtendedKeyUsage eku = ExtendedKeyUsage.fromExtensions(cert.getExtensions());
        assertThat(eku.hasKeyPurposeId(KeyPurposeId.id_kp_serverAuth)).isTrue();
        assertThat(eku.hasKeyPurposeId(KeyPurposeId.id_kp_clientAuth)).isTrue();
        List<String> sans = Arrays.stream(GeneralNames.fromExtensions(cert.getExtensions(),
                Extension.subjectAlternativeName).getNames()).map(GeneralName::toString).toList();
        // every registered name and address, management and migration, even those the CSR did not ask for
        assertThat(sans).contains("2: " + host.registration().fqdn(), "2: " + host.registration().dnsNames().get(0));
        assertThat(sans.stream().filter(s -> s.startsWith("7:")).count()).isEqualTo(2);
        // the one URI names the host as a producer: its agent's event signatures are attributed by it
        assertThat(sans.stream().filter(s -> s.startsWith("6:")).toList())
                .containsExactly("6: urn:virtgate:host:" + host.id());
        Duration life = Duration.between(cert.getNotBefore().toInstant(), cert.getNotAfter().toInstant());
        assertThat(life).isBetween(Duration.ofDays(30), Duration.ofDays(30).plusMinutes(6));
        String text = Certs.openssl("x509", "-noout", "-text", "-in", Certs.file(certPem).toString()).output();
        assertThat(text).contains("IP Address:" + host.registration().managementAddresses().get(0))
                .contains("IP Address:" + host.registration().migrationAddresses().get(0))
                .contains("TLS Web Server Authentication, TLS Web Client Authentication");

        List<CertIssued> events = PkiState.outbox(CertIssued.class, host.id());
        assertThat(events).hasSize(1);
        assertThat(events.get(0).serial()).isEqualTo(serial);
        assertThat(events.get(0).reason()).isEqualTo("REQUEST");
        assertThat(events.get(0).caBundlePem()).contains(caPem);

        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/certificates/" + serial).then().statusCode(200)
                .body("hostId", is(host.id())).body("status", is("VALID"));
        given().auth().oauth2(TestTokens.viewer("bob")).queryParam("hostId", host.id()).get("/v1/certificates")
                .then().statusCode(200).body("serial", hasItem(serial));
        given().auth().oauth2(TestTokens.viewer("bob")).queryParam("expiringWithin", "P31D").get("/v1/certificates")
                .then().statusCode(200).body("serial", hasItem(serial));
        given().auth().oauth2(TestTokens.viewer("bob")).queryParam("expiringWithin", "P7D").get("/v1/certificates")
                .then().statusCode(200).body("serial", org.hamcrest.Matchers.not(hasItem(serial)));
        given().auth().oauth2(TestTokens.viewer("bob")).queryParam("serial", serial).get("/v1/certificates")
                .then().statusCode(200).body("size()", is(1));
    }

    @Test
    void hostBsTokenCannotObtainACertificateForHostA() {
        Host a = newHost("host-a");
        Host b = newHost("host-b");
        long certs = PkiState.certificateCount();
        long outbox = PkiState.outboxCount();
        post(a, a.csr(), b.token()).statusCode(403).contentType("application/problem+json")
                .body("detail", containsString("not valid for host " + a.id()));
        // a proof B's token makes, over a CSR with A's names
        String csrForA = a.csr();
        postProof(a.id(), csrForA, Fixtures.proof(b.registration(), b.token(), csrForA)).statusCode(403);
        assertThat(PkiState.certificateCount()).isEqualTo(certs);
        assertThat(PkiState.outboxCount()).isEqualTo(outbox);
        // B's token stays usable for B, A's for A
        post(b).statusCode(201);
        post(a).statusCode(201);
    }

    @Test
    void badInputIsRefusedWithProblemJsonAndNothingPersistedOrEmitted() {
        Host host = newHost("bad");
        String fqdn = host.registration().fqdn();
        String ip = host.registration().managementAddresses().get(0);
        long certs = PkiState.certificateCount();
        long outbox = PkiState.outboxCount();

        refused(post(host, "-----BEGIN CERTIFICATE REQUEST-----\nnope\n-----END CERTIFICATE REQUEST-----\n",
                host.token()), 400, "csrPem");
        refused(post(host, TestCsr.forKey(host.key()).commonName(fqdn).signedBy(TestKeys.p256().getPrivate()).pem(), host.token()), 422, "csrPem");
        refused(post(host, TestCsr.pem(TestKeys.rsa(1024), fqdn, List.of(fqdn), List.of()), host.token()),
                422, "csrPem.publicKey");
        refused(post(host, TestCsr.pem(TestKeys.ec("secp256k1"), fqdn, List.of(fqdn), List.of()), host.token()),
                422, "csrPem.publicKey");
        refused(post(host, TestCsr.pem(host.key(), fqdn, List.of(fqdn, "evil.example"), List.of()), host.token()),
                422, "csrPem.subjectAltName.dNSName");
        refused(post(host, TestCsr.pem(host.key(), fqdn, List.of(fqdn), List.of("192.0.2.66")), host.token()),
                422, "csrPem.subjectAltName.iPAddress");
        refused(post(host, TestCsr.pem(host.key(), "other.example", List.of(), List.of(ip)), host.token()),
                422, "csrPem.subject.CN");
        String csr = host.csr();
        refused(postProof("no-such-host", csr, Fixtures.proof(host.registration(), host.token(), csr)), 404, null);
        refused(post(host, host.csr(), Fixtures.token()), 403, null);
        // a proof is for one CSR: the same token's proof for another CSR proves nothing
        refused(postProof(host.id(), host.csr(), Fixtures.proof(host.registration(), host.token(), csr)), 403, null);
        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("hostId", host.id(), "csrPem", csr)).post("/v1/certificates").then()
                .statusCode(400).contentType("application/problem+json").body(containsString("enrollmentProof"));
        Map<String, String> complete = Map.of("hostId", host.id(), "csrPem", csr,
                "enrollmentProof", Fixtures.proof(host.registration(), host.token(), csr));
        given().contentType(ContentType.JSON).body(complete).post("/v1/certificates").then().statusCode(401);
        given().auth().oauth2(TestTokens.viewer("bob")).contentType(ContentType.JSON).body(complete)
                .post("/v1/certificates").then().statusCode(403);
        given().auth().oauth2(TestTokens.viewer("bob")).queryParam("expiringWithin", "soon").get("/v1/certificates")
                .then().statusCode(400).body(containsString("expiringWithin"));
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/certificates/abcdef").then().statusCode(404)
                .contentType("application/problem+json");

        assertThat(PkiState.certificateCount()).isEqualTo(certs);
        assertThat(PkiState.outboxCount()).isEqualTo(outbox);
        // none of the refusals consumed the token
        post(host).statusCode(201);
    }

    @Test
    void tokenIsSingleUseBindsToTheFirstKeyAndExpires() {
        Host host = newHost("once");
        post(host).statusCode(201);
        long certs = PkiState.certificateCount();
        refused(post(host), 403, null).body("detail", containsString("already used"));
        Host otherKey = new Host(host.registration(), host.token(), TestKeys.p256());
        refused(post(otherKey), 403, null).body("detail", containsString("already bound to another key"));

        String token = Fixtures.token();
        HostRegistered expired = Fixtures.registered(Fixtures.hostId("expired"), token, Instant.now().minusSeconds(1));
        PkiState.register(expired);
        Host late = new Host(expired, token, TestKeys.p256());
        refused(post(late, TestCsr.pem(late.key(), expired.fqdn(), List.of(), List.of()), token), 403, null)
                .body("detail", containsString("expired"));
        assertThat(PkiState.certificateCount()).isEqualTo(certs);
    }

    @Test
    void responsesAndProblemsNeverEchoTheTokenOrTheProof() {
        Host host = newHost("secret");
        String refusal = post(host, "garbage", host.token()).statusCode(400).extract().asString();
        assertThat(refusal).doesNotContain(host.token());
        String csr = host.csr();
        String proof = Fixtures.proof(host.registration(), host.token(), csr);
        String ok = postProof(host.id(), csr, proof).statusCode(201).extract().asString();
        assertThat(ok).doesNotContain(host.token()).doesNotContain(proof);
    }

    static ValidatableResponse refused(ValidatableResponse response, int status, String field) {
        response.statusCode(status).contentType("application/problem+json").body("status", is(status));
        if (field != null) {
            response.body("invalidParams.name", hasItem(field));
        }
        return response;
    }
}
