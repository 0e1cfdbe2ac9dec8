package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.service.CaService;
import dev.virtgate.pki.support.Certs;
import dev.virtgate.testsupport.OpenBaoServer;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.junit.jupiter.api.Test;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class CaBootstrapTest {

    @Inject
    CaService ca;

    @Test
    void rootCaIsSelfSignedThroughTransitAndServedAsPem() throws Exception {
        String pem = given().get("/v1/ca").then().statusCode(200).contentType("application/x-pem-file")
                .extract().asString();
        X509CertificateHolder root = Pem.certificate(pem);
        assertThat(root.isSignatureValid(dev.virtgate.pki.pki.Verifiers.builder().build(root))).isTrue();
        assertThat(BasicConstraints.fromExtensions(root.getExtensions()).isCA()).isTrue();
        assertThat(root.getSubject().toString()).isEqualTo("CN=virtgate CA,O=virtgate");
        assertThat(Pem.x509(root).getSigAlgName()).isEqualToIgnoringCase("SHA256withECDSA");
        // the CA certificate's key is the Transit key's public key
        String transitKey = OpenBaoServer.shared().call("GET", "transit/keys/virtgate-ca", null).body();
        assertThat(transitKey).contains("\"type\":\"ecdsa-p256\"").contains("\"exportable\":false");
        // openssl accepts it as a self-signed trust anchor
        assertThat(Certs.openssl("verify", "-CAfile", Certs.file(pem).toString(), Certs.file(pem).toString()).ok()).isTrue();
    }

    @Test
    void caKeyCannotBeExported() {
        var signing = OpenBaoServer.shared().call("GET", "transit/export/signing-key/virtgate-ca", null);
        assertThat(signing.statusCode()).isGreaterThanOrEqualTo(400);
        assertThat(signing.body()).contains("not exportable").doesNotContain("PRIVATE KEY");
        var backup = OpenBaoServer.shared().call("GET", "transit/backup/virtgate-ca", null);
        assertThat(backup.statusCode()).isGreaterThanOrEqualTo(400);
    }

    @Test
    void bootstrapIsIdempotent() {
        String before = given().get("/v1/ca").then().statusCode(200).extract().asString();
        ca.bootstrap();
        ca.bootstrap();
        assertThat(given().get("/v1/ca").then().statusCode(200).extract().asString()).isEqualTo(before);
        given().auth().oauth2(TestTokens.viewer("bob")).get("/v1/ca/certificates").then().statusCode(200)
                .contentType(ContentType.JSON).body("size()", org.hamcrest.Matchers.is(1));
        assertThat(ca.notReadyReason()).isNull();
    }
}
