package dev.virtgate.bus;

import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

class DeadLetterHeadersTest {

    @Test
    void keepsTheRecordsHeadersAndAddsSmallRyesDeadLetterHeadersOnce() {
        ConsumerRecord<String, byte[]> failed = new ConsumerRecord<>("virtgate.pki", 2, 41L, "h1", new byte[0]);
        failed.headers().add("ce_id", "e-1".getBytes(StandardCharsets.UTF_8));
        failed.headers().add(DeadLetterHeaders.REASON, "an earlier parking".getBytes(StandardCharsets.UTF_8));
        RecordHeaders headers = DeadLetterHeaders.of(failed, "field hostId: required",
                new IllegalStateException("refused", new IllegalArgumentException("bad")));
        Map<String, String> byName = new HashMap<>();
        int reasons = 0;
        for (Header h : headers) {
            byName.put(h.key(), new String(h.value(), StandardCharsets.UTF_8));
            reasons += h.key().equals(DeadLetterHeaders.REASON) ? 1 : 0;
        }
        assertEquals(1, reasons);
        assertEquals("e-1", byName.get("ce_id"));
        assertEquals("field hostId: required", byName.get(DeadLetterHeaders.REASON));
        assertEquals(IllegalStateException.class.getName(), byName.get(DeadLetterHeaders.EXCEPTION_CLASS_NAME));
        assertEquals("bad", byName.get(DeadLetterHeaders.CAUSE));
        assertEquals(IllegalArgumentException.class.getName(), byName.get(DeadLetterHeaders.CAUSE_CLASS_NAME));
        assertEquals("virtgate.pki", byName.get(DeadLetterHeaders.TOPIC));
        assertEquals("2", byName.get(DeadLetterHeaders.PARTITION));
        assertEquals("41", byName.get(DeadLetterHeaders.OFFSET));
    }

    @Test
    void aReasonWithoutAnExceptionNamesNoClass() {
        ConsumerRecord<String, byte[]> failed = new ConsumerRecord<>("virtgate.hosts", 0, 7L, "h1", new byte[0]);
        RecordHeaders headers = DeadLetterHeaders.of(failed, "untrusted signer", null);
        assertFalse(headers.headers(DeadLetterHeaders.EXCEPTION_CLASS_NAME).iterator().hasNext());
        assertEquals("untrusted signer",
                new String(headers.lastHeader(DeadLetterHeaders.REASON).value(), StandardCharsets.UTF_8));
    }
}
