package dev.virtgate.credential.openbao;

/**
 * OpenBao refused a write because a concurrent write to the same storage entries committed first
 * (its storage is transactional: it answers 500 "transaction commit failed"). Nothing was written;
 * an idempotent write may simply be sent again.
 */
public class OpenBaoConflictException extends OpenBaoUnavailableException {
    public OpenBaoConflictException(String message) {
        super(message, null);
    }
}
