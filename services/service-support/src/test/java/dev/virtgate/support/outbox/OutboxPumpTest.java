package dev.virtgate.support.outbox;

import io.smallrye.mutiny.Uni;
import org.junit.jupiter.api.Test;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The relay's bookkeeping against an in-memory outbox table and a fake broker: which rows go out,
 * from where, in which order, and which are marked published. Everything runs on the test's thread.
 */
class OutboxPumpTest {
    private static final Duration SWEEP_AFTER = Duration.ofMinutes(1);

    private final MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
    private final FakeTable table = new FakeTable();
    private final FakeBroker broker = new FakeBroker();
    private long nextId = 1;

    private OutboxPump pump(int batchSize) {
        return new OutboxPump(table, broker, batchSize, Duration.ofMillis(300), SWEEP_AFTER, clock,
                RuntimeException::getMessage);
    }

    /** A started relay: its first tick drained the (empty) table, it now sends from memory. */
    private OutboxPump started(int batchSize) {
        OutboxPump pump = pump(batchSize);
        pump.tick();
        assertThat(table.reads).as("the first tick reads the table").isEqualTo(1);
        return pump;
    }

    @Test
    void committedRowIsSentFromMemoryAndMarkedPublishedByTheTimer() {
        OutboxPump pump = started(500);
        long row = commit(pump);
        pump.relay();

        assertThat(broker.acknowledged).containsExactly(row);
        assertThat(table.reads).as("sent without reading the table").isEqualTo(1);
        assertThat(table.published(row)).as("marked by the timer, not per commit").isFalse();

        pump.tick();
        assertThat(table.published(row)).isTrue();
        assertThat(table.reads).as("no read of the table for a row sent from memory").isEqualTo(1);
        assertThat(broker.acknowledged).as("sent once").containsExactly(row);
    }

    @Test
    void failedSendLeavesRowsUnpublishedAndTheTableSendsThemLaterInOrder() {
        OutboxPump pump = started(2);
        broker.down = true;
        List<Long> rows = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            rows.add(commit(pump));
            pump.relay();
        }
        assertThat(broker.attempts).as("paused after the first failure, no hot loop").isEqualTo(1);
        pump.tick(); // the broker is still away: one batch from the table, in vain, then paused again
        assertThat(broker.attempts).isEqualTo(3);
        assertThat(rows).noneMatch(table::published);

        broker.down = false;
        pump.tick();
        assertThat(broker.acknowledged).as("every row, in commit order, from the table in batches of 2")
                .containsExactlyElementsOf(rows);
        assertThat(rows).allMatch(table::published);

        long later = commit(pump);
        pump.relay();
        pump.tick();
        assertThat(broker.acknowledged).as("back to memory, nothing twice").hasSize(6).endsWith(later);
        assertThat(table.published(later)).isTrue();
    }

    @Test
    void rowsAnotherInstanceLeftAreSweptOnceOlderThanSweepAfter() {
        OutboxPump pump = started(500);
        long forgotten = table.insert(clock.instant().minus(SWEEP_AFTER.plusSeconds(1))); // its writer died
        long young = table.insert(clock.instant()); // its writer is still sending it
        long mine = commit(pump);
        pump.relay();

        pump.tick();
        assertThat(broker.acknowledged).containsExactly(mine, forgotten);
        assertThat(table.published(forgotten)).isTrue();
        assertThat(table.published(young)).as("left to the instance that committed it").isFalse();

        clock.advance(SWEEP_AFTER.plusSeconds(1));
        pump.tick();
        assertThat(broker.acknowledged).containsExactly(mine, forgotten, young);
        assertThat(table.published(young)).isTrue();
        pump.tick();
        assertThat(broker.acknowledged).as("a sweep sends nothing twice").hasSize(3);
    }

    @Test
    void onlyTheAcknowledgedRowsOfATableBatchAreMarked() {
        List<Long> rows = List.of(table.insert(clock.instant()), table.insert(clock.instant()),
                table.insert(clock.instant()), table.insert(clock.instant()));
        broker.refused.add(rows.get(1));
        OutboxPump pump = pump(500);

        pump.tick(); // a fresh process: the table, rows an earlier process left
        assertThat(broker.acknowledged).containsExactly(rows.get(0), rows.get(2), rows.get(3));
        assertThat(rows.stream().filter(table::published)).containsExactly(rows.get(0), rows.get(2), rows.get(3));

        broker.refused.clear();
        pump.tick();
        assertThat(table.published(rows.get(1))).isTrue();
        assertThat(broker.acknowledged).as("only the refused row went out again")
                .containsExactly(rows.get(0), rows.get(2), rows.get(3), rows.get(1));
    }

    @Test
    void onlyTheAcknowledgedRowsOfAMemoryBatchAreMarkedTheRestFollowsFromTheTable() {
        OutboxPump pump = started(500);
        long first = commit(pump);
        long refused = commit(pump);
        long third = commit(pump);
        broker.refused.add(refused);
        pump.relay(); // one batch of three

        assertThat(broker.acknowledged).containsExactly(first, third);
        broker.refused.clear();
        pump.tick();
        assertThat(List.of(first, refused, third)).allMatch(table::published);
        assertThat(broker.acknowledged).as("what was acknowledged from memory is not sent again from the table")
                .containsExactly(first, third, refused);
    }

    @Test
    void rowTheBrokerDoesNotAnswerWithinSendTimeoutIsNotMarked() {
        OutboxPump pump = started(500);
        long answered = commit(pump);
        long unanswered = commit(pump);
        broker.silent.add(unanswered);
        pump.relay();
        pump.tick(); // marks what was acknowledged, then (the silent broker heard again) drains the table

        assertThat(table.published(answered)).isTrue();
        assertThat(table.published(unanswered)).as("no answer is no acknowledgement").isFalse();
        broker.silent.clear();
        pump.tick();
        assertThat(table.published(unanswered)).isTrue();
    }

    @Test
    void rowThatCannotBeSentYetHoldsBackTheRowsAfterIt() {
        OutboxPump pump = started(500);
        long first = commit(pump);
        long unsignable = commit(pump);
        long third = commit(pump);
        broker.unsendable.add(unsignable); // its signer chain is not published yet
        pump.relay();

        assertThat(broker.attempted).as("the rows after it are not even tried").containsExactly(first);
        broker.unsendable.clear();
        pump.tick();
        assertThat(broker.acknowledged).containsExactly(first, unsignable, third);
        assertThat(List.of(first, unsignable, third)).allMatch(table::published);
    }

    /** What OutboxWriter and the commit do: the row is in the table, then the relay hears of it. */
    private long commit(OutboxPump pump) {
        long id = table.insert(clock.instant());
        pump.committed(table.rows.get(id));
        return id;
    }

    private final class FakeTable implements OutboxPump.Table {
        final Map<Long, OutboxRecord> rows = new TreeMap<>();
        final Map<Long, Integer> marked = new HashMap<>();
        int reads;
        private boolean inTransaction;

        long insert(Instant ceTime) {
            long id = nextId++;
            rows.put(id, new OutboxRecord(id, UUID.randomUUID(), "virtgate.test", "key", "virtgate.test.v1",
                    "/virtgate/test", ceTime, "{}", "vault:v1:sig"));
            return id;
        }

        boolean published(long id) {
            return marked.containsKey(id);
        }

        @Override
        public <T> T inNewTransaction(Supplier<T> work) {
            assertThat(inTransaction).as("no nested transaction").isFalse();
            inTransaction = true;
            try {
                return work.get();
            } finally {
                inTransaction = false;
            }
        }

        @Override
        public List<OutboxRecord> lockUnpublished(Instant writtenBefore, int limit) {
            assertThat(inTransaction).isTrue();
            reads++;
            return rows.values().stream()
                    .filter(r -> !marked.containsKey(r.id()))
                    .filter(r -> writtenBefore == null || r.ceTime().isBefore(writtenBefore))
                    .limit(limit).toList();
        }

        @Override
        public void setPublished(List<Long> ids) {
            assertThat(inTransaction).isTrue();
            ids.forEach(id -> marked.merge(id, 1, Integer::sum));
        }

        @Override
        public boolean hasUnpublishedBefore(Instant writtenBefore) {
            assertThat(inTransaction).isTrue();
            return rows.values().stream()
                    .anyMatch(r -> !marked.containsKey(r.id()) && r.ceTime().isBefore(writtenBefore));
        }
    }

    /** Acknowledges when subscribed, unless told to refuse, to stay silent or to be down. */
    private static final class FakeBroker implements OutboxPump.Transport {
        final List<Long> acknowledged = new ArrayList<>();
        final List<Long> attempted = new ArrayList<>();
        final Set<Long> refused = new HashSet<>();
        final Set<Long> silent = new HashSet<>();
        final Set<Long> unsendable = new HashSet<>();
        boolean down;
        int attempts;

        @Override
        public Uni<Void> send(OutboxRecord row) {
            if (unsendable.contains(row.id())) {
                throw new IllegalStateException("no signer certificate for v1 published yet");
            }
            return Uni.createFrom().deferred(() -> {
                attempts++;
                attempted.add(row.id());
                if (down) {
                    return Uni.createFrom().failure(new IllegalStateException("broker unavailable"));
                }
                if (refused.contains(row.id())) {
                    return Uni.createFrom().failure(new IllegalStateException("refused " + row.id()));
                }
                if (silent.contains(row.id())) {
                    return Uni.createFrom().nothing();
                }
                acknowledged.add(row.id());
                return Uni.createFrom().voidItem();
            });
        }
    }

    private static final class MutableClock extends Clock {
        private Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        void advance(Duration by) {
            now = now.plus(by);
        }

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
