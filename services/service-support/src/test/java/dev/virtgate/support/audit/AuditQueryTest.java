package dev.virtgate.support.audit;

import dev.virtgate.support.error.InvalidInputException;
import org.junit.jupiter.api.Test;

import java.time.Instant;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuditQueryTest {

    @Test
    void absentParametersMeanNoFilterAndTheFirstPageOfFifty() {
        AuditQuery query = AuditQuery.parse(null, "", null, null, null, null, "");
        assertThat(query).isEqualTo(new AuditQuery(null, null, null, null, null, 0, 50));
    }

    @Test
    void parsesEveryFilter() {
        AuditQuery query = AuditQuery.parse("alice", "migration.start", "h-1", "2026-11-29T12:00:00Z",
                "2026-11-29T13:00:00.5Z", "3", "500");
        assertThat(query).isEqualTo(new AuditQuery("alice", "migration.start", "h-1",
                Instant.parse("2026-11-29T12:00:00Z"), Instant.parse("2026-11-29T13:00:00.5Z"), 3, 500));
    }

    @Test
    void aBadParameterIsA400NamingIt() {
        refused("since", () -> AuditQuery.parse(null, null, null, "yesterday", null, null, null));
        refused("until", () -> AuditQuery.parse(null, null, null, null, "2026-13-01T00:00:00Z", null, null));
        refused("until", () -> AuditQuery.parse(null, null, null, "2026-11-29T12:00:00Z", "2026-11-29T12:00:00Z",
                null, null));
        refused("size", () -> AuditQuery.parse(null, null, null, null, null, null, "0"));
        refused("size", () -> AuditQuery.parse(null, null, null, null, null, null, "501"));
        refused("size", () -> AuditQuery.parse(null, null, null, null, null, null, "ten"));
        refused("page", () -> AuditQuery.parse(null, null, null, null, null, "-1", null));
        refused("action", () -> AuditQuery.parse(null, "migration.insecure", null, null, null, null, null));
        refused("actor", () -> AuditQuery.parse("a".repeat(513), null, null, null, null, null, null));
        refused("host", () -> AuditQuery.parse(null, null, "h".repeat(129), null, null, null, null));
    }

    private static void refused(String field, Runnable parse) {
        assertThatThrownBy(parse::run).isInstanceOfSatisfying(InvalidInputException.class, e -> {
            assertThat(e.kind()).isEqualTo(InvalidInputException.Kind.MALFORMED);
            assertThat(e.fields()).extracting(f -> f.field()).containsExactly(field);
        });
    }
}
