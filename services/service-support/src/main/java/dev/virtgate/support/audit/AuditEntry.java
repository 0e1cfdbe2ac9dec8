package dev.virtgate.support.audit;

/**
 * What an action is about, before the recorder adds who, when, from where and the outcome.
 * {@code target} is the id of what was acted on; {@code detail} is short text for humans and never
 * holds a secret; {@code warn} makes the log line a WARN (an insecure migration, an upgrade window).
 */
public record AuditEntry(String action, String target, String host, String cluster, String mode, String detail,
        boolean warn) {

    public static AuditEntry of(String action, String target) {
        return new AuditEntry(action, target, null, null, null, null, false);
    }

    public AuditEntry host(String hostId) {
        return new AuditEntry(action, target, hostId, cluster, mode, detail, warn);
    }

    public AuditEntry cluster(String clusterId) {
        return new AuditEntry(action, target, host, clusterId, mode, detail, warn);
    }

    public AuditEntry mode(String migrationMode) {
        return new AuditEntry(action, target, host, cluster, migrationMode, detail, warn);
    }

    public AuditEntry detail(String text) {
        return new AuditEntry(action, target, host, cluster, mode, text, warn);
    }

    public AuditEntry warn(boolean asWarning) {
        return new AuditEntry(action, target, host, cluster, mode, detail, asWarning);
    }
}
