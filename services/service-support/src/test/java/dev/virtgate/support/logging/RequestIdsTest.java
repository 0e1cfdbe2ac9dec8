package dev.virtgate.support.logging;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdsTest {
    private static final String UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";

    @Test
    void aPlainCallerIdIsKept() {
        assertEquals("req-42.a:b_c", RequestIds.requestId("req-42.a:b_c"));
    }

    @Test
    void noIdGetsAFreshOne() {
        assertTrue(RequestIds.requestId(null).matches(UUID));
        assertNotEquals(RequestIds.requestId(null), RequestIds.requestId(null));
    }

    @Test
    void anIdThatIsTooLongOrCarriesQuotesSpacesOrNewlinesIsReplaced() {
        for (String offered : new String[] {"", "a".repeat(65), "a b", "a\"b", "a\nlevel=ERROR", "a\u0000"}) {
            assertTrue(RequestIds.requestId(offered).matches(UUID), offered);
        }
    }
}
