package dev.virtgate.migration.mtls;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.migration.Fleet;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.net.http.HttpResponse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Client certificates of virtgate's CA authenticate over HTTPS, next to bearer JWTs. */
@QuarkusTest
@TestProfile(MtlsProfile.class)
class MtlsAuthTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String FORGED = "eyJhbGciOiJub25lIn0.eyJzdWIiOiJldmUiLCJncm91cHMiOlsib3BlcmF0b3IiXX0.";
    private static final String SASL_FALLBACK = "{\"mode\":\"ALLOW_SASL_FALLBACK\"}";

    @TestHTTPResource(value = "/", tls = true)
    URI https;

    @Test
    void operatorCertificateMayChangeThings() throws Exception {
        HttpsClient carol = HttpsClient.presenting(https, TestPki.Client.OPERATOR);
        HttpResponse<String> put = carol.put("v1/clusters/mtls-op/policy", SASL_FALLBACK);
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(json(put).path("mode").asText()).isEqualTo("ALLOW_SASL_FALLBACK");
        assertThat(json(put).path("updatedBy").asText()).isEqualTo("CN=carol,O=virtgate");
        assertThat(carol.get("v1/hosts").statusCode()).isEqualTo(200);
        // the audit trail names the certificate's subject, and is queried by it
        JsonNode audit = json(carol.get("v1/audit?action=policy.set&actor="
                + java.net.URLEncoder.encode("CN=carol,O=virtgate", java.nio.charset.StandardCharsets.UTF_8)));
        assertThat(audit.path("items").get(0).path("target").asText()).isEqualTo("mtls-op");
        assertThat(audit.path("items").get(0).path("actor").asText()).isEqualTo("CN=carol,O=virtgate");
        assertThat(audit.path("items").get(0).path("outcome").asText()).isEqualTo("accepted");
    }

    @Test
    void viewerCertificateReadsButCannotChangeAnything() throws Exception {
        HttpsClient dave = HttpsClient.presenting(https, TestPki.Client.VIEWER);
        assertThat(dave.get("v1/clusters/mtls-view/policy").statusCode()).isEqualTo(200);
        assertThat(dave.get("v1/migrations").statusCode()).isEqualTo(200);
        HttpResponse<String> put = dave.put("v1/clusters/mtls-view/policy", SASL_FALLBACK);
        assertThat(put.statusCode()).isEqualTo(403);
        assertThat(put.headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("application/problem+json"));
    }

    @Test
    void aHostCertificateOfTheSameCaCarriesNoRoleEvenWithOuOperator() throws Exception {
        HttpsClient host = HttpsClient.presenting(https, TestPki.Client.HOST);
        assertThat(host.get("v1/hosts").statusCode()).isEqualTo(403);
        assertThat(host.put("v1/clusters/mtls-host/policy", SASL_FALLBACK).statusCode()).isEqualTo(403);
    }

    @Test
    void aCertificateFromAnotherCaFailsTheHandshake() throws Exception {
        HttpsClient mallory = HttpsClient.presenting(https, TestPki.Client.FOREIGN);
        assertThatThrownBy(() -> mallory.get("v1/hosts")).isInstanceOf(SSLException.class);
    }

    @Test
    void noCertificateAndNoTokenIs401() throws Exception {
        HttpsClient nobody = HttpsClient.anonymous(https);
        assertThat(nobody.get("v1/hosts").statusCode()).isEqualTo(401);
        assertThat(nobody.put("v1/clusters/mtls-anon/policy", SASL_FALLBACK).statusCode()).isEqualTo(401);
        assertThat(nobody.get("q/health/live").statusCode()).isEqualTo(200);
    }

    @Test
    void bearerTokensStillWorkOverHttpsAndHttp() throws Exception {
        HttpsClient tls = HttpsClient.anonymous(https);
        HttpResponse<String> put = tls.send("PUT", "v1/clusters/mtls-jwt/policy", SASL_FALLBACK, Fleet.OPERATOR);
        assertThat(put.statusCode()).isEqualTo(200);
        assertThat(json(put).path("updatedBy").asText()).isEqualTo("alice");
        assertThat(tls.send("PUT", "v1/clusters/mtls-jwt/policy", SASL_FALLBACK, Fleet.VIEWER).statusCode())
                .isEqualTo(403);
        assertThat(tls.send("GET", "v1/clusters/mtls-jwt/policy", null, Fleet.VIEWER).statusCode()).isEqualTo(200);
        Fleet.viewer().get("/v1/clusters/mtls-jwt/policy").then().statusCode(200);
    }

    @Test
    void aPresentedCertificateDecidesTheRolesAndEveryCredentialMustVerify() throws Exception {
        HttpsClient dave = HttpsClient.presenting(https, TestPki.Client.VIEWER);
        assertThat(dave.send("PUT", "v1/clusters/mtls-both/policy", SASL_FALLBACK, Fleet.OPERATOR).statusCode())
                .isEqualTo(403);
        assertThat(dave.send("GET", "v1/clusters/mtls-both/policy", null, Fleet.OPERATOR).statusCode())
                .isEqualTo(200);
        assertThat(dave.send("GET", "v1/hosts", null, FORGED).statusCode()).isEqualTo(401);
        HttpsClient host = HttpsClient.presenting(https, TestPki.Client.HOST);
        assertThat(host.send("GET", "v1/hosts", null, Fleet.OPERATOR).statusCode()).isEqualTo(403);
    }

    private static JsonNode json(HttpResponse<String> response) throws Exception {
        return JSON.readTree(response.body());
    }
}
