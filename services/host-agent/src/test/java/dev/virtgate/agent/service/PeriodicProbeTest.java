package dev.virtgate.agent.service;

import dev.virtgate.agent.it.TestPki;
import dev.virtgate.agent.it.AgentBusResource;
import dev.virtgate.agent.it.TestPkiResource;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.Topics;
import dev.virtgate.contracts.events.HostEnrolled;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.KafkaServer;
import dev.virtgate.testsupport.OpenBaoResource;
import dev.virtgate.testsupport.trust.TestCsr;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The self-probe runs on its own timer (virtgate.agent.probe-interval, 60 s by default): with a
 * one-second period the agent reports its posture again and again without anyone asking, once it
 * has a certificate to sign the reports with.
 */
@QuarkusTest
@TestProfile(PeriodicProbeTest.EverySecond.class)
@QuarkusTestResource(value = AgentBusResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = TestPkiResource.class, restrictToAnnotatedClass = false)
class PeriodicProbeTest {
    static final String HOST = "qt-periodic";

    public static class EverySecond implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("virtgate.agent.probe-interval", "1s", "virtgate.agent.host-id", HOST,
                    "virtgate.agent.fqdn", HOST + ".lab.virtgate.test");
        }
    }

    @Test
    void postureIsReportedEveryPeriodWithoutBeingAsked() throws Exception {
        try (EventBus.Recorder bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.AGENT_REPORTS))) {
            EventBus.Seen enrolled = bus.await("virtgate.host.enrolled.v1", s -> HOST.equals(s.key()),
                    Duration.ofSeconds(60));
            HostEnrolled e = new EventCodec().decode(HostEnrolled.class,
                    enrolled.payload().getBytes(StandardCharsets.UTF_8));
            TestPki pki = TestPkiResource.pki();
            KafkaServer.shared().grantHost(e.fqdn(), "qt", HOST); // as pki-service does when it issues
            pki.pkiService().sign(pki.issue(HOST, "qt", e.fqdn(), TestCsr.publicKey(e.csrPem()), List.of("127.0.0.1")))
                    .publish(KafkaResource.bootstrapServers());
            List<EventBus.Seen> reports = await().atMost(Duration.ofSeconds(30)).until(
                    () -> bus.all("virtgate.host.configured.v1").stream().filter(s -> HOST.equals(s.key())).toList(),
                    l -> l.size() >= 6);
            assertThat(reports).allSatisfy(r -> assertThat(r.payload()).contains("\"posture\""));
            // a steady beat, not a burst: after the report that answered the certificate, five reports
            // take at least three periods
            Duration span = Duration.between(OffsetDateTime.parse(reports.get(1).headers().get("ce_time")),
                    OffsetDateTime.parse(reports.get(5).headers().get("ce_time")));
            assertThat(span).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(20));
        }
    }
}
