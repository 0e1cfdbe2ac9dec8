package dev.virtgate.pki;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.trust.EventAuthorization;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.contracts.trust.TrustAnchors;
import dev.virtgate.contracts.trust.TrustStorePaths;
import dev.virtgate.pki.config.CaKeyType;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.pki.TransitKeys;
import dev.virtgate.pki.pki.TransitUnavailableException;
import dev.virtgate.pki.service.SignerCertificateService;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.pki.support.TrustInOpenBao;
import dev.virtgate.support.inbox.InboundEvents;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.vault.client.VaultClient;
import io.quarkus.vault.client.http.jdk.JDKVaultHttpClient;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.awaitility.Awaitility;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CRLHolder;
import org.bouncycastle.cert.X509CertificateHolder;
import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.net.http.HttpClient;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The trust pki-service publishes in OpenBao KV for every service to verify events against: the CA
 * bundle and CRL, and a signer certificate for each service's event-signing Transit key.
 */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class TrustPublicationTest {

    @Inject
    SignerCertificateService signers;

    static List<X509Certificate> bundle() {
        return Certs.parseAll(TrustInOpenBao.ca().get(TrustStorePaths.BUNDLE_PEM));
    }

    @Test
    void theCaBundleLeadsWithTheCurrentCaAndTheCrlFollowsEveryRevocation() throws Exception {
        String currentCa = given().get("/v1/ca").then().statusCode(200).extract().asString();
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> !bundle().isEmpty());
        List<X509Certificate> published = bundle();
        assertThat(published.get(0)).isEqualTo(Pem.x509(currentCa));
        assertThat(published).containsExactlyInAnyOrderElementsOf(
                Certs.parseAll(given().get("/v1/ca/bundle").then().statusCode(200).extract().asString()));
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> TrustInOpenBao.ca().get(TrustStorePaths.CRL_PEM)
                .equals(given().get("/v1/crl").then().statusCode(200).extract().asString()));

        // a revocation re-signs the CRL: the published one lists the serial, signed by the current CA
        var host = IssuanceRestTest.newHost("published-crl");
        String serial = IssuanceRestTest.post(host).statusCode(201).extract().path("serial");
        given().auth().oauth2(TestTokens.operator("alice")).contentType(ContentType.JSON)
                .body(Map.of("reason", "keyCompromise")).post("/v1/certificates/" + serial + "/revoke")
                .then().statusCode(200);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> Pem.crl(TrustInOpenBao.ca()
                .get(TrustStorePaths.CRL_PEM)).getRevokedCertificate(new BigInteger(serial, 16)) != null);
        X509CRLHolder crl = Pem.crl(TrustInOpenBao.ca().get(TrustStorePaths.CRL_PEM));
        assertThat(crl.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(Pem.certificate(currentCa))))
                .isTrue();
    }

    @Test
    void everyServicesSignerCertificateChainsToTheCaNamesTheServiceAndCertifiesItsTransitKey() throws Exception {
        String bundlePem = TrustInOpenBao.ca().get(TrustStorePaths.BUNDLE_PEM);
        for (String service : EventAuthorization.SIGNING_SERVICES) {
            Map<String, String> entry = TrustInOpenBao.signer(service);
            var transitKey = TrustInOpenBao.transitKey(service);
            assertThat(transitKey.path("type").asText()).isEqualTo("ecdsa-p256");
            assertThat(transitKey.path("exportable").asBoolean()).isFalse();
            assertThat(entry.get(TrustStorePaths.KEY_VERSION)).isEqualTo(transitKey.path("latest_version").asText());

            List<X509Certificate> chain = Certs.parseAll(entry.get(TrustStorePaths.CHAIN_PEM));
            X509Certificate leaf = chain.get(0);
            assertThat(leaf.getPublicKey().getEncoded())
                    .isEqualTo(TrustInOpenBao.latestPublicKey(transitKey).getEncoded());
            Certs.pkixValidate(bundlePem, Pem.write(Pem.certificate(entry.get(TrustStorePaths.CHAIN_PEM))));
            assertThat(EventVerifier.producerOf(leaf)).contains(Producer.service(service));

            X509CertificateHolder holder = Pem.certificate(entry.get(TrustStorePaths.CHAIN_PEM));
            GeneralName[] sans = GeneralNames.fromExtensions(holder.getExtensions(), Extension.subjectAlternativeName)
                    .getNames();
            assertThat(sans).hasSize(1);
            assertThat(sans[0].getTagNo()).isEqualTo(GeneralName.uniformResourceIdentifier);
            assertThat(sans[0].getName().toString()).isEqualTo("urn:virtgate:service:" + service);
            assertThat(holder.getExtension(Extension.keyUsage).isCritical()).isTrue();
            assertThat(KeyUsage.fromExtensions(holder.getExtensions()).hasUsages(KeyUsage.digitalSignature)).isTrue();
            assertThat(leaf.getKeyUsage()).containsExactly(true, false, false, false, false, false, false, false, false);
            assertThat(ExtendedKeyUsage.fromExtensions(holder.getExtensions())).as("no serverAuth/clientAuth").isNull();
            assertThat(BasicConstraints.fromExtensions(holder.getExtensions()).isCA()).isFalse();

            // issued like any certificate: listed, and revocable
            String serial = leaf.getSerialNumber().toString(16);
            given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/certificates/" + serial).then().statusCode(200)
                    .body("hostId", org.hamcrest.Matchers.is("service:" + service))
                    .body("status", org.hamcrest.Matchers.is("VALID"));
        }
    }

    @Test
    void pkiServicesOwnEventsVerifyAgainstThePublishedBundle() {
        var host = IssuanceRestTest.newHost("own-events");
        IssuanceRestTest.post(host).statusCode(201);
        var record = TestBus.awaitRecord(Topics.PKI, r -> host.id().equals(r.key())
                && EventType.CERT_ISSUED.ceType().equals(TestBus.header(r, CloudEventHeaders.TYPE)),
                Duration.ofSeconds(30));
        Map<String, String> headers = InboundEvents.headers(record);
        EventEnvelope envelope = EventEnvelope.fromHeaders(headers);
        var event = new EventCodec().decode(envelope.type(), record.value());
        Producer producer = new EventVerifier(TrustAnchors.of(bundle())).verify(envelope, headers, record.value(), event);
        assertThat(producer).isEqualTo(Producer.service("pki-service"));
    }

    @Test
    void aRotatedTransitKeyIsCertifiedAgainAndThePreviousCertificateSuperseded() {
        String service = EventAuthorization.CREDENTIAL_SERVICE;
        String before = Pem.x509(TrustInOpenBao.signer(service).get(TrustStorePaths.CHAIN_PEM)).getSerialNumber()
                .toString(16);
        var rotated = OpenBaoServer.shared().call("POST", "transit/keys/" + TrustStorePaths.transitKey(service)
                + "/rotate", "{}");
        assertThat(rotated.statusCode()).isLessThan(300);
        var transitKey = TrustInOpenBao.transitKey(service);
        String latest = transitKey.path("latest_version").asText();
        Awaitility.await().atMost(Duration.ofSeconds(30))
                .until(() -> latest.equals(TrustInOpenBao.signer(service).get(TrustStorePaths.KEY_VERSION)));
        X509Certificate leaf = Pem.x509(TrustInOpenBao.signer(service).get(TrustStorePaths.CHAIN_PEM));
        assertThat(leaf.getPublicKey().getEncoded()).isEqualTo(TrustInOpenBao.latestPublicKey(transitKey).getEncoded());
        assertThat(PkiState.certificate(before).supersededBy).isEqualTo(leaf.getSerialNumber().toString(16));
        assertThat(PkiState.certificate(before).revokedAt).as("events signed before stay verifiable").isNull();
    }

    @Test
    void anExportableKeyIsNeverCertified() {
        String service = "rogue-service";
        String keyName = TrustStorePaths.transitKey(service);
        // an administrator's doing: pki-service's policy allows it no exportable key, and no other key name
        var created = OpenBaoServer.shared().call("POST", "transit/keys/" + keyName,
                "{\"type\":\"ecdsa-p256\",\"exportable\":true}");
        assertThat(created.statusCode()).isLessThan(300);
        // pki-service, with its own AppRole, may not even read a key outside its policy
        assertThatThrownBy(() -> signers.certify(service)).isInstanceOf(TransitUnavailableException.class)
                .hasMessageContaining("403");
        // and were the key one of the services' own, it would refuse it: the key as an administrator reads it
        VaultClient admin = VaultClient.builder().baseUrl(OpenBaoServer.shared().address())
                .clientToken(OpenBaoServer.shared().rootToken())
                .executor(new JDKVaultHttpClient(HttpClient.newHttpClient())).build();
        var key = new TransitKeys(admin, "transit", keyName, CaKeyType.ECDSA_P256).read().orElseThrow();
        assertThat(SignerCertificateService.unsafe(key)).isEqualTo("exportable");
        assertThat(PkiState.certificateCount("service:" + service)).isZero();
        assertThat(TrustInOpenBao.signer(service)).isEmpty();
    }
}
