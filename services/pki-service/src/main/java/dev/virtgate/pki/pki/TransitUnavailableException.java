package dev.virtgate.pki.pki;

/** OpenBao could not be reached or refused to sign: nothing is issued, callers may retry. */
public class TransitUnavailableException extends RuntimeException {
    public TransitUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
