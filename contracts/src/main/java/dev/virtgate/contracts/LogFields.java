package dev.virtgate.contracts;

/**
 * Names of the correlation fields every component puts in its log context (MDC). With JSON logs on
 * ({@code VIRTGATE_LOG_JSON=true}) they are top-level fields of each line, so a log pipeline can
 * follow one request or one migration across services and agents.
 */
public final class LogFields {
    /** The REST request: the caller's {@code X-Request-Id} when well-formed, otherwise generated. */
    public static final String REQUEST_ID = "requestId";
    /** The migration a line is about ({@code m-<uuid>}). */
    public static final String MIGRATION_ID = "migrationId";
    /** The header that carries {@link #REQUEST_ID} in and out. */
    public static final String REQUEST_ID_HEADER = "X-Request-Id";

    private LogFields() {
    }
}
