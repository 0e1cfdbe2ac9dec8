package dev.virtgate.pki;

import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.TestTokens;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.testsupport.OpenBaoServer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

import java.time.Duration;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.notNullValue;

/** Stops OpenBao (a dev server comes back empty): runs last. */
@Order(Integer.MAX_VALUE)
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class OpenBaoOutageTest {

    @Test
    void withoutOpenBaoNothingIsIssuedAndAfterAWipeNoOtherKeyIsEverUsed() {
        var host = IssuanceRestTest.newHost("outage");
        long certs = PkiState.certificateCount();
        OpenBaoServer bao = OpenBaoServer.shared();
        bao.stop();
        try {
            Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                    given().get("/q/health/ready").then().statusCode(503));
            IssuanceRestTest.post(host.id(), host.csr(), host.token()).statusCode(503)
                    .contentType("application/problem+json").header("Retry-After", notNullValue());
            // public CA material is still served from the database
            given().get("/v1/ca").then().statusCode(200);
        } finally {
            bao.start();
        }
        // the dev server restarted empty: the CA key is gone, and the service must not make a new one
        Awaitility.await().atMost(Duration.ofSeconds(30)).untilAsserted(() ->
                given().get("/q/health/ready").then().statusCode(503)
                        .body(containsString("missing in Transit")));
        IssuanceRestTest.post(host.id(), host.csr(), host.token()).statusCode(503)
                .contentType("application/problem+json").header("Retry-After", notNullValue());
        assertThat(bao.call("GET", "transit/keys/virtgate-ca", null).statusCode()).isEqualTo(404);
        assertThat(PkiState.certificateCount()).isEqualTo(certs);
    }
}
