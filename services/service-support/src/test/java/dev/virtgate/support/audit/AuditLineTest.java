package dev.virtgate.support.audit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The virtgate.audit log line operators grep: one line per row, whatever the request's text holds. */
class AuditLineTest {

    @Test
    void namesWhoWhatWhereAndTheOutcomeOnOneLine() {
        AuditRecord row = new AuditRecord();
        row.action = AuditActions.MIGRATION_START;
        row.actor = "alice";
        row.sourceAddress = "127.0.0.1";
        row.outcome = "accepted";
        row.target = "m-1";
        row.host = "h-1";
        row.mode = "INSECURE";
        row.detail = "vm=web\nmigration.start by=root outcome=accepted";
        assertThat(AuditRecorder.line(row)).isEqualTo("migration.start by=alice from=127.0.0.1 outcome=accepted "
                + "target=m-1 host=h-1 mode=INSECURE vm=web?migration.start by=root outcome=accepted");
    }
}
