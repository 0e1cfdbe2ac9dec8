package dev.virtgate.agent.messaging;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The agent's file outbox: written before sending, deleted on the broker's ack, re-sent otherwise. */
class EventSpoolTest {

    @TempDir
    Path dir;

    static EventSpool.Entry entry(String id) {
        return new EventSpool.Entry("virtgate.migrations.results", "m-" + id,
                Map.of("ce_id", id, "ce_type", "virtgate.migration.completed.v1"), "{\"migrationId\":\"m-" + id + "\"}");
    }

    @Test
    void aWrittenEventIsOnDiskPrivatelyUntilDelivered() throws Exception {
        EventSpool spool = new EventSpool(dir.resolve("outbox"));
        EventSpool.Pending p = spool.write(entry("a1"));
        assertThat(p.file()).exists();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(p.file()))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("outbox")))).isEqualTo("rwx------");
        assertThat(spool.claimPending()).as("in flight: not handed out twice").isEmpty();
        spool.delivered(p);
        assertThat(p.file()).doesNotExist();
        assertThat(spool.size()).isZero();
    }

    @Test
    void anUndeliveredEventIsHandedOutAgainWithTheSameContent() {
        EventSpool spool = new EventSpool(dir.resolve("outbox"));
        EventSpool.Pending p = spool.write(entry("b1"));
        spool.release(p); // the broker nacked it
        List<EventSpool.Pending> again = spool.claimPending();
        assertThat(again).hasSize(1);
        assertThat(again.get(0).entry()).isEqualTo(entry("b1"));
        assertThat(spool.claimPending()).isEmpty();
    }

    @Test
    void aRestartedAgentFindsWhatTheLastRunLeftInTheOrderItWasWritten() {
        EventSpool before = new EventSpool(dir.resolve("outbox"));
        for (String id : List.of("c1", "c2", "c3")) {
            before.write(entry(id)); // never acknowledged: the agent died
        }
        EventSpool after = new EventSpool(dir.resolve("outbox"));
        List<EventSpool.Pending> pending = after.claimPending();
        assertThat(pending).extracting(p -> p.entry().headers().get("ce_id")).containsExactly("c1", "c2", "c3");
        pending.forEach(after::delivered);
        assertThat(after.size()).isZero();
    }

    @Test
    void anUnreadableFileIsLeftForAnOperatorAndDoesNotBlockTheOthers() throws Exception {
        EventSpool spool = new EventSpool(dir.resolve("outbox"));
        EventSpool.Pending good = spool.write(entry("d1"));
        spool.release(good);
        Files.writeString(dir.resolve("outbox").resolve("0000000000000001-00000000-broken.json"), "{not json");
        assertThat(spool.claimPending()).extracting(p -> p.entry().headers().get("ce_id")).containsExactly("d1");
        assertThat(spool.size()).isEqualTo(2);
    }

    @Test
    void anEmptyOrMissingSpoolHasNothingPending() {
        assertThat(new EventSpool(dir.resolve("never-created")).claimPending()).isEmpty();
        assertThat(new EventSpool(dir.resolve("never-created")).size()).isZero();
    }
}
