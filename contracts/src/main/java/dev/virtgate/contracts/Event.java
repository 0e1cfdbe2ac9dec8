package dev.virtgate.contracts;

/**
 * Every virtgate event payload. The subject is the CloudEvents {@code ce_subject} and the Kafka
 * record key: a host id, a cluster id or a migration id, so that per-entity ordering holds.
 */
public interface Event {
    String subject();
}
