package dev.virtgate.contracts.trust;

import dev.virtgate.contracts.Event;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.EventEnvelope;
import dev.virtgate.contracts.EventType;
import dev.virtgate.contracts.events.CertRevoked;
import dev.virtgate.contracts.events.CheckStatus;
import dev.virtgate.contracts.events.CloudMigrationRequested;
import dev.virtgate.contracts.events.HostCapabilities;
import dev.virtgate.contracts.events.HostConfigured;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.contracts.events.MigrationCancelRequested;
import dev.virtgate.contracts.events.PostureCheck;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EventVerifierTest {
    private static final EventCodec CODEC = new EventCodec();
    private final TestCa ca = new TestCa("virtgate test CA");
    private final Set<X509Certificate> revoked = ConcurrentHashMap.newKeySet();
    private final EventVerifier verifier = new EventVerifier(new TrustAnchors() {
        @Override
        public List<X509Certificate> certificateAuthorities() {
            return List.of(ca.cert);
        }

        @Override
        public boolean isRevoked(X509Certificate certificate) {
            return revoked.contains(certificate);
        }
    });

    private record Signed(EventEnvelope envelope, Map<String, String> headers, byte[] payload, Event event) {
    }

    private static Signed sign(Event event, KeyPair key, List<X509Certificate> chain, Instant time) {
        EventEnvelope env = new EventEnvelope(UUID.randomUUID().toString(), "/test", EventType.of(event.getClass()),
                event.subject(), time);
        byte[] payload = CODEC.encode(event);
        Map<String, String> headers = new HashMap<>(env.headers());
        headers.put(EventSignatures.SIGNATURE, EventSignatures.sign(key.getPrivate(),
                EventSignatures.signingInput(env, payload)));
        if (chain != null) {
            headers.put(EventSignatures.SIGNER_CHAIN, EventSignatures.encodeChain(chain));
        }
        return new Signed(env, headers, payload, event);
    }

    private Producer verify(Signed s) {
        return verifier.verify(s.envelope(), s.headers(), s.payload(), s.event());
    }

    private static CertRevoked revokedEvent() {
        return new CertRevoked("h1", "cluster-a", "0af3", "C=XX,O=virtgate,OU=cluster-a,CN=h1", "keyCompromise",
                Instant.now(), "-----BEGIN X509 CRL-----\nMIIB\n-----END X509 CRL-----\n");
    }

    private static HostConfigured configured(String hostId, Instant probedAt) {
        return new HostConfigured(hostId, "cluster-a", "0af3", Instant.now().plusSeconds(3600), null, null, null, true,
                false, true, List.of(new PostureCheck("tls", CheckStatus.PASS, null)), null, probedAt);
    }

    @Test
    void aServiceSignedEventFromTheRightServiceIsBelieved() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:service:pki-service", key);
        assertEquals(Producer.service("pki-service"), verify(sign(revokedEvent(), key, List.of(cert), Instant.now())));
    }

    @Test
    void anotherServiceMayNotSayWhatOnlyPkiServiceSays() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:service:migration-service", key);
        EventRefusedException e = assertThrows(EventRefusedException.class,
                () -> verify(sign(revokedEvent(), key, List.of(cert), Instant.now())));
        assertTrue(e.getMessage().contains("may come only from pki-service"), e.getMessage());
    }

    @Test
    void aHostMaySpeakOnlyForItself() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:host:h2", key);
        assertEquals(Producer.host("h2"), verify(sign(configured("h2", Instant.now()), key, List.of(cert), Instant.now())));
        EventRefusedException e = assertThrows(EventRefusedException.class,
                () -> verify(sign(configured("h1", Instant.now()), key, List.of(cert), Instant.now())));
        assertTrue(e.getMessage().contains("about host h1 may come only from that host"), e.getMessage());
    }

    @Test
    void aForeignCaIsRefused() {
        TestCa foreign = new TestCa("virtgate test CA");
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = foreign.leaf("urn:virtgate:service:pki-service", key);
        EventRefusedException e = assertThrows(EventRefusedException.class,
                () -> verify(sign(revokedEvent(), key, List.of(cert, foreign.cert), Instant.now())));
        assertTrue(e.getMessage().contains("not from a trusted CA"), e.getMessage());
    }

    @Test
    void unsignedTamperedExpiredRevokedAndFutureEventsAreRefused() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:host:h1", key);
        Signed good = sign(configured("h1", Instant.now()), key, List.of(cert), Instant.now());

        Map<String, String> unsigned = new HashMap<>(good.headers());
        unsigned.remove(EventSignatures.SIGNATURE);
        assertRefused(new Signed(good.envelope(), unsigned, good.payload(), good.event()), "unsigned");

        byte[] tampered = CODEC.encode(configured("h1", Instant.parse("2099-01-01T00:00:00Z")));
        assertRefused(new Signed(good.envelope(), good.headers(), tampered, good.event()), "does not verify");

        X509Certificate expired = ca.leaf("urn:virtgate:host:h1", key, Instant.now().minusSeconds(7200),
                Instant.now().minusSeconds(3600));
        assertRefused(sign(configured("h1", Instant.now()), key, List.of(expired), Instant.now()), "not valid now");

        assertRefused(sign(configured("h1", Instant.now()), key, List.of(cert), Instant.now().plus(Duration.ofMinutes(6))),
                "in the future");

        verify(good);
        revoked.add(cert);
        assertRefused(good, "revoked");
    }

    @Test
    void aKeyOtherThanTheCertificatesIsRefused() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:host:h1", TestCa.ecKey());
        assertRefused(sign(configured("h1", Instant.now()), key, List.of(cert), Instant.now()), "does not verify");
    }

    @Test
    void hostEnrolledIsSignedByItsCsrKeyAndCarriesATokenProof() {
        KeyPair key = TestCa.ecKey();
        String csr = TestCa.csrPem(key, "h1.lab.virtgate.test");
        EnrollmentKey token = EnrollmentKey.fromToken("h1", "x".repeat(43));
        HostEnrolled enrolled = new HostEnrolled("h1", "cluster-a", "h1.lab.virtgate.test", csr,
                token.prove("h1", "cluster-a", "h1.lab.virtgate.test", csr), capabilities());
        assertEquals(Producer.enrollingHost("h1"), verify(sign(enrolled, key, null, Instant.now())));
        assertTrue(EnrollmentKey.verify(token.publicKey(), enrolled.enrollmentProof(), "h1", "cluster-a",
                "h1.lab.virtgate.test", csr));

        assertRefused(sign(enrolled, TestCa.ecKey(), null, Instant.now()), "does not verify");
        assertTrue(!EnrollmentKey.verify(EnrollmentKey.fromToken("h1", "y".repeat(43)).publicKey(),
                enrolled.enrollmentProof(), "h1", "cluster-a", "h1.lab.virtgate.test", csr));
        assertTrue(!EnrollmentKey.verify(token.publicKey(), enrolled.enrollmentProof(), "h1", "cluster-a",
                "h1.lab.virtgate.test", TestCa.csrPem(TestCa.ecKey(), "h1.lab.virtgate.test")));
    }

    @Test
    void theSameTokenSeedsTheSameKeyPerHost() {
        String token = "z".repeat(43);
        assertEquals(EnrollmentKey.fromToken("h1", token).publicKey(), EnrollmentKey.fromToken("h1", token).publicKey());
        assertTrue(!EnrollmentKey.fromToken("h1", token).publicKey()
                .equals(EnrollmentKey.fromToken("h2", token).publicKey()));
        assertTrue(EnrollmentKey.fromToken("h1", token).publicKey().matches("^[A-Za-z0-9_-]{40,80}$"));
    }

    @Test
    void everyEventTypeHasARule() {
        for (EventType type : EventType.values()) {
            assertTrue(EventAuthorization.rule(type) != null, type.name());
        }
        Clock.systemUTC();
    }

    private void assertRefused(Signed s, String why) {
        EventRefusedException e = assertThrows(EventRefusedException.class, () -> verify(s));
        assertTrue(e.getMessage().contains(why), e.getMessage());
    }

    private static HostCapabilities capabilities() {
        return new HostCapabilities("9.0.0", "7.2.0", true, true, List.of("digest-md5"), List.of("tls:16514"),
                "0a6d8f8e-5c1d-4f0e-9b6a-2f5e0c1d7a11", "0.1.0");
    }

    @Test
    void anApiClientCertificateMayRequestAMigrationAndNothingElse() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:role:operator", key);
        Producer producer = verify(sign(new CloudMigrationRequested("req-1", "guest1", "h1", "h2", null), key,
                List.of(cert), Instant.now()));
        assertEquals(Producer.apiClient(cert.getSubjectX500Principal().getName()), producer);

        EventRefusedException e = assertThrows(EventRefusedException.class, () -> verify(sign(
                new MigrationCancelRequested("m-1", "h1", "alice", Instant.now(), "k", null), key, List.of(cert),
                Instant.now())));
        assertTrue(e.getMessage().contains("may come only from migration-service"), e.getMessage());
    }

    @Test
    void aServiceOrHostCertificateCannotRequestAMigrationAsACloud() {
        KeyPair key = TestCa.ecKey();
        X509Certificate cert = ca.leaf("urn:virtgate:host:h1", key);
        EventRefusedException e = assertThrows(EventRefusedException.class, () -> verify(sign(
                new CloudMigrationRequested("req-1", "guest1", "h1", "h2", null), key, List.of(cert), Instant.now())));
        assertTrue(e.getMessage().contains("may come only from an API client certificate"), e.getMessage());
    }
}
