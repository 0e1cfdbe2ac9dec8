package dev.virtgate.agent.messaging;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.Header;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The dead-letter record keeps the refused one as it was and adds the headers SmallRye's dead-letter queue wrote. */
class DeadLettersTest {

    @Test
    void theRefusedRecordKeepsKeyValueAndHeadersAndGainsTheReasonAndWhereItCameFrom() {
        ConsumerRecord<String, byte[]> refused = new ConsumerRecord<>("virtgate.pki", 2, 41L, "h1",
                "{}".getBytes(StandardCharsets.UTF_8));
        refused.headers().add("ce_id", "id-1".getBytes(StandardCharsets.UTF_8));
        refused.headers().add("dead-letter-reason", "forged by the sender".getBytes(StandardCharsets.UTF_8));

        ProducerRecord<String, byte[]> out = DeadLetters.record("virtgate.dlq.host-agent", refused,
                new IllegalStateException("unsigned event", new IllegalArgumentException("no ce_signature")));

        assertThat(out.topic()).isEqualTo("virtgate.dlq.host-agent");
        assertThat(out.key()).isEqualTo("h1");
        assertThat(out.value()).isEqualTo(refused.value());
        Map<String, String> h = headers(out);
        assertThat(h).containsEntry("ce_id", "id-1")
                .containsEntry("dead-letter-reason", "unsigned event")
                .containsEntry("dead-letter-exception-class-name", IllegalStateException.class.getName())
                .containsEntry("dead-letter-cause", "no ce_signature")
                .containsEntry("dead-letter-cause-class-name", IllegalArgumentException.class.getName())
                .containsEntry("dead-letter-topic", "virtgate.pki")
                .containsEntry("dead-letter-partition", "2")
                .containsEntry("dead-letter-offset", "41");
        assertThat(out.headers().headers("dead-letter-reason")).hasSize(1); // the sender's own claim is gone
    }

    private static Map<String, String> headers(ProducerRecord<String, byte[]> r) {
        Map<String, String> out = new HashMap<>();
        for (Header h : r.headers()) {
            out.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
        }
        return out;
    }
}
