package dev.virtgate.support.error;

import java.time.Duration;

/** A dependency (OpenBao, the CA) cannot serve now; nothing was changed and the caller may retry later. */
public class UnavailableException extends DomainException {
    private final Duration retryAfter;

    public UnavailableException(String why, Duration retryAfter) {
        super(why);
        this.retryAfter = retryAfter;
    }

    public static UnavailableException retryAfterSeconds(String why, int seconds) {
        return new UnavailableException(why, Duration.ofSeconds(seconds));
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    @Override
    public boolean refusal() {
        return false;
    }
}
