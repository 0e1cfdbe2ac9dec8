package dev.virtgate.migration.mtls;

import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLException;
import java.net.URI;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Client certificates listed in the configured CRL of virtgate's CA fail the TLS handshake. */
@QuarkusTest
@TestProfile(MtlsCrlProfile.class)
class MtlsRevocationTest {
    private static final String SASL_FALLBACK = "{\"mode\":\"ALLOW_SASL_FALLBACK\"}";

    @TestHTTPResource(value = "/", tls = true)
    URI https;

    @Test
    void aRevokedOperatorCertificateFailsTheHandshake() throws Exception {
        HttpsClient erin = HttpsClient.presenting(https, TestPki.Client.REVOKED);
        assertThatThrownBy(() -> erin.get("v1/hosts")).isInstanceOf(SSLException.class);
        assertThatThrownBy(() -> erin.put("v1/clusters/crl-revoked/policy", SASL_FALLBACK))
                .isInstanceOf(SSLException.class);
    }

    @Test
    void anOperatorCertificateNotInTheCrlStillWorks() throws Exception {
        HttpsClient carol = HttpsClient.presenting(https, TestPki.Client.OPERATOR);
        assertThat(carol.put("v1/clusters/crl-op/policy", SASL_FALLBACK).statusCode()).isEqualTo(200);
        assertThat(HttpsClient.presenting(https, TestPki.Client.VIEWER).get("v1/hosts").statusCode())
                .isEqualTo(200);
    }

    @Test
    void aCrlRewrittenWhileRunningTakesEffectWithoutRestart() throws Exception {
        assertThat(HttpsClient.presenting(https, TestPki.Client.REVOKED_LATER).get("v1/hosts").statusCode())
                .isEqualTo(200);

        TestPki.writeCrl(TestPki.Client.REVOKED, TestPki.Client.REVOKED_LATER);

        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(250))
                .until(() -> handshakeRefused(TestPki.Client.REVOKED_LATER));
        assertThat(HttpsClient.presenting(https, TestPki.Client.OPERATOR).get("v1/hosts").statusCode())
                .isEqualTo(200);
    }

    /** A fresh client each time: a pooled connection would keep its handshake from before the reload. */
    private boolean handshakeRefused(TestPki.Client client) throws Exception {
        try {
            HttpsClient.presenting(https, client).get("v1/hosts");
            return false;
        } catch (SSLException refused) {
            return true;
        }
    }
}
