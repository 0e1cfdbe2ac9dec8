package dev.virtgate.cli.output;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class TableTest {

    @Test
    void columnsArePaddedToTheirWidestCellAndMissingValuesShowAsADash() {
        String out = new Table("id", "status", "fqdn")
                .row("kvm-a", "ENROLLED", "kvm-a.example.org")
                .row("b", null, "")
                .render();
        assertEquals("""
                ID     STATUS    FQDN
                kvm-a  ENROLLED  kvm-a.example.org
                b      -         -
                """, out);
    }

    @Test
    void aCellNeverBreaksItsLine() {
        assertEquals("A\nx y\n", new Table("a").row("x\r\n\ty").render());
    }

    @Test
    void aRowMustFillEveryColumn() {
        assertThrows(IllegalArgumentException.class, () -> new Table("a", "b").row("only one"));
    }
}
