package dev.virtgate.support.rest;

/**
 * Text PostgreSQL can store: it refuses the NUL character (U+0000) in text columns, so a request
 * carrying one would fail deep in a transaction. Invalid UTF-8 needs no check here: Vert.x and
 * Jackson decode it to U+FFFD or refuse it before any resource runs.
 */
public final class StorableText {
    public static final String REASON = "must not contain the NUL character (U+0000)";

    public static boolean storable(String text) {
        return text == null || text.indexOf('\u0000') < 0;
    }

    private StorableText() {
    }
}
