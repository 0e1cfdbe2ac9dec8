package dev.virtgate.support.audit;

import java.util.List;

/**
 * The audited operator actions, shared by every service and the CLI. A SASL_TUNNELLED or INSECURE
 * migration is a {@link #MIGRATION_START} with its mode set, not an action of its own.
 */
public final class AuditActions {
    public static final String HOST_REGISTER = "host.register";
    public static final String HOST_DECOMMISSION = "host.decommission";
    public static final String POLICY_SET = "policy.set";
    public static final String MIGRATION_START = "migration.start";
    public static final String MIGRATION_CANCEL = "migration.cancel";
    public static final String CERTIFICATE_REVOKE = "certificate.revoke";
    public static final String CREDENTIAL_ROTATE = "credential.rotate";

    public static final List<String> ALL = List.of(HOST_REGISTER, HOST_DECOMMISSION, POLICY_SET, MIGRATION_START,
            MIGRATION_CANCEL, CERTIFICATE_REVOKE, CREDENTIAL_ROTATE);

    private AuditActions() {
    }
}
