package dev.virtgate.agent.enroll;

/** Enrollment stopped before anything was written; the message is one line, never a secret. */
public class EnrollRefused extends RuntimeException {
    public EnrollRefused(String message) {
        super(message);
    }
}
