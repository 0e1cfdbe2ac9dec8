package dev.virtgate.credential.openbao;

/** OpenBao could not be reached or is sealed/standby: the operation may be retried later. */
public class OpenBaoUnavailableException extends RuntimeException {
    public OpenBaoUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
