package dev.virtgate.agent.service;

import dev.virtgate.contracts.Topics;
import dev.virtgate.testsupport.EventBus;
import dev.virtgate.testsupport.KafkaResource;
import dev.virtgate.testsupport.OpenBaoResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The self-probe runs on its own timer (virtgate.agent.probe-interval, 60 s by default): with a
 * one-second period the agent reports its posture again and again without anyone asking.
 */
@QuarkusTest
@TestProfile(PeriodicProbeTest.EverySecond.class)
@QuarkusTestResource(value = KafkaResource.class, restrictToAnnotatedClass = false)
@QuarkusTestResource(value = OpenBaoResource.class, restrictToAnnotatedClass = false)
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
    void postureIsReportedEveryPeriodWithoutBeingAsked() {
        try (EventBus.Recorder bus = new EventBus.Recorder(KafkaResource.bootstrapServers(), List.of(Topics.HOSTS))) {
            List<EventBus.Seen> reports = await().atMost(Duration.ofSeconds(30)).until(
                    () -> bus.all("virtgate.host.configured.v1").stream().filter(s -> HOST.equals(s.key())).toList(),
                    l -> l.size() >= 5);
            assertThat(reports).allSatisfy(r -> assertThat(r.payload()).contains("\"posture\""));
            // a steady beat, not a burst at start-up: five reports take at least three periods
            Duration span = Duration.between(OffsetDateTime.parse(reports.get(0).headers().get("ce_time")),
                    OffsetDateTime.parse(reports.get(4).headers().get("ce_time")));
            assertThat(span).isBetween(Duration.ofSeconds(3), Duration.ofSeconds(20));
        }
    }
}
