package dev.virtgate.agent.reconcile;

/** One file the agent manages: logical path, full content, mode, group and what a change requires. */
public record FileSpec(String path, byte[] content, String mode, String group, Effect effect) {

    public enum Effect {
        /** libvirtd reads it only at start. */
        RESTART,
        /** Certificates, keys, CRL: virt-admin server-update-tls. */
        RELOAD_TLS,
        /** Read on each use (auth.conf). */
        NONE
    }
}
