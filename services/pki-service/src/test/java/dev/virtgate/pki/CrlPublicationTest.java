package dev.virtgate.pki;

import dev.virtgate.contracts.CloudEventHeaders;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.CrlPublished;
import dev.virtgate.contracts.trust.EventSignatures;
import dev.virtgate.contracts.trust.EventVerifier;
import dev.virtgate.contracts.trust.Producer;
import dev.virtgate.pki.pki.Pem;
import dev.virtgate.pki.repository.CaCertificate;
import dev.virtgate.pki.repository.CrlRecord;
import dev.virtgate.pki.service.CrlService;
import dev.virtgate.pki.support.PkiState;
import dev.virtgate.pki.support.TestBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.OpenBaoServer;
import dev.virtgate.testsupport.PostgresResource;
import dev.virtgate.testsupport.trust.TrustFixture;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static io.restassured.RestAssured.given;
import static org.assertj.core.api.Assertions.assertThat;

/** Every re-signed CRL reaches the agents as a signed CrlPublished, not only the ones a revocation makes. */
@QuarkusTest
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = PostgresResource.class, initArgs = @ResourceArg(name = "database", value = "virtgate_pki"))
class CrlPublicationTest {

    @Inject
    CrlService crls;

    @Test
    void aReSignedCrlWithoutAnyRevocationIsPublishedSignedWithAHigherNumber() {
        String caPem = given().get("/v1/ca").then().statusCode(200).extract().asString();
        given().get("/v1/crl").then().statusCode(200); // the CA's first CRL exists
        long before = crlNumber();

        PkiState.run(() -> crls.regenerate(CaCertificate.current().orElseThrow()));

        String expectedNumber = Long.toString(before + 1);
        ConsumerRecord<String, byte[]> record = TestBus.awaitRecord(Topics.PKI, r -> isCrlPublished(r)
                && TestBus.decode(CrlPublished.class, r).crlNumber().equals(expectedNumber), Duration.ofSeconds(30));
        CrlPublished published = TestBus.decode(CrlPublished.class, record);
        String crlPem = given().get("/v1/crl").then().statusCode(200).extract().asString();
        assertThat(published.crlPem()).isEqualTo(crlPem);
        assertThat(published.caFingerprint()).isEqualTo(EventSignatures.fingerprint(Pem.x509(caPem)));
        assertThat(Duration.between(published.thisUpdate(), published.nextUpdate())).isEqualTo(Duration.ofDays(1));
        assertThat(published.issuerDn()).contains("virtgate");

        // every CrlPublished verifies, also the CA's first one, which waited in the outbox table for
        // pki-service's signer certificate and was relayed from PostgreSQL
        List<ConsumerRecord<String, byte[]>> all = TestBus.all(Topics.PKI, CrlPublicationTest::isCrlPublished);
        assertThat(all).hasSizeGreaterThanOrEqualTo(2);
        all.forEach(r -> assertThat(verify(r)).isEqualTo(Producer.service("pki-service")));
    }

    private static Producer verify(ConsumerRecord<String, byte[]> record) {
        Map<String, String> headers = new HashMap<>();
        record.headers().forEach(h -> headers.put(h.key(), new String(h.value(), StandardCharsets.UTF_8)));
        EventEnvelope envelope = EventEnvelope.fromHeaders(headers);
        return new EventVerifier(TrustFixture.publishedAnchors(OpenBaoServer.shared()))
                .verify(envelope, headers, record.value(), new EventCodec().decode(envelope.type(), record.value()));
    }

    private static long crlNumber() {
        return QuarkusTransaction.requiringNew().call(() -> CrlRecord.<CrlRecord>findById(
                CaCertificate.current().orElseThrow().id).crlNumber);
    }

    private static boolean isCrlPublished(ConsumerRecord<String, byte[]> record) {
        return EventType.CRL_PUBLISHED.ceType().equals(TestBus.header(record, CloudEventHeaders.TYPE));
    }
}
