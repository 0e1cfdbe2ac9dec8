package dev.virtgate.credential.openbao;

/** OpenBao refused a request (4xx): a configuration or permission problem, not an outage. */
public class OpenBaoException extends RuntimeException {
    private final int status;

    public OpenBaoException(String message, int status) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
