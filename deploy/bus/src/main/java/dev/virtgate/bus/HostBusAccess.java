package dev.virtgate.bus;

import dev.virtgate.contracts.BusAccess;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.acl.AccessControlEntryFilter;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclBindingFilter;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.resource.ResourcePatternFilter;

import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The broker's side of host identities, done by pki-service (and by test harnesses playing it): which
 * CA signs the client certificates the {@link BusSecurity#HOSTS_LISTENER} listener accepts, and the
 * ACLs of each host principal ({@link BusAccess#hostGrant}). Every operation is idempotent. Needs
 * ALTER_CONFIGS (trust) and ALTER (ACLs) on the cluster.
 */
public final class HostBusAccess {
    private static final long TIMEOUT_SECONDS = 30;
    private static final String HOST_PRINCIPAL_SUFFIX = ",O=" + BusAccess.HOST_ORGANIZATION;

    /** A host as its ACLs name it. */
    public record Host(String fqdn, String clusterId, String hostId) {
        public String principal() {
            return BusAccess.hostPrincipal(fqdn, clusterId);
        }
    }

    private HostBusAccess() {
    }

    /**
     * Makes every broker accept client certificates of exactly this CA bundle (PEM, one or more
     * certificates) on the mTLS listener. A per-broker dynamic setting: Kafka refuses listener SSL
     * stores at the cluster-default level. Connections already open stay open; new ones use the bundle.
     */
    public static void trust(Admin admin, String caBundlePem)
            throws ExecutionException, InterruptedException, TimeoutException {
        BusSecurity.requirePem("CA bundle", caBundlePem);
        Map<ConfigResource, Collection<AlterConfigOp>> changes = new LinkedHashMap<>();
        for (Node node : admin.describeCluster().nodes().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            changes.put(new ConfigResource(ConfigResource.Type.BROKER, node.idString()), List.of(new AlterConfigOp(
                    new ConfigEntry(BusSecurity.HOSTS_TRUSTSTORE, caBundlePem), AlterConfigOp.OpType.SET)));
        }
        admin.incrementalAlterConfigs(changes).all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Creates the ACLs of this host (its own reports, reads and consumer group). */
    public static void grant(Admin admin, String fqdn, String clusterId, String hostId)
            throws ExecutionException, InterruptedException, TimeoutException {
        admin.createAcls(BusBootstrap.bindings(BusAccess.hostGrant(fqdn, clusterId, hostId)))
                .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }

    /** Deletes every ACL of this host's principal (whatever host id they were made for). */
    public static void withdraw(Admin admin, String fqdn, String clusterId, String hostId)
            throws ExecutionException, InterruptedException, TimeoutException {
        BusAccess.hostGrant(fqdn, clusterId, hostId); // validates the names
        withdrawPrincipal(admin, BusAccess.hostPrincipal(fqdn, clusterId));
    }

    /** The host principals that hold ACLs now. */
    public static Set<String> grantedPrincipals(Admin admin)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> principals = new TreeSet<>();
        for (AclBinding acl : admin.describeAcls(AclBindingFilter.ANY).values().get(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            String principal = acl.entry().principal();
            if (principal.startsWith("User:CN=") && principal.endsWith(HOST_PRINCIPAL_SUFFIX)) {
                principals.add(principal.substring("User:".length()));
            }
        }
        return principals;
    }

    /**
     * Makes the broker's host principals exactly those of {@code hosts}: grants each that holds no ACL
     * (one describe, not one write per host and round), withdraws every other host principal.
     * Returns the principals withdrawn.
     */
    public static Set<String> reconcile(Admin admin, Collection<Host> hosts)
            throws ExecutionException, InterruptedException, TimeoutException {
        Set<String> granted = grantedPrincipals(admin);
        Set<String> wanted = new TreeSet<>();
        for (Host host : hosts) {
            if (wanted.add(host.principal()) && !granted.contains(host.principal())) {
                grant(admin, host.fqdn(), host.clusterId(), host.hostId());
            }
        }
        Set<String> stale = new TreeSet<>(granted);
        stale.removeAll(wanted);
        for (String principal : stale) {
            withdrawPrincipal(admin, principal);
        }
        return stale;
    }

    private static void withdrawPrincipal(Admin admin, String principal)
            throws ExecutionException, InterruptedException, TimeoutException {
        admin.deleteAcls(List.of(new AclBindingFilter(ResourcePatternFilter.ANY, new AccessControlEntryFilter(
                "User:" + principal, null, AclOperation.ANY, AclPermissionType.ANY))))
                .all().get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
    }
}
