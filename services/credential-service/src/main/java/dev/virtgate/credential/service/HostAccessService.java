package dev.virtgate.credential.service;

import dev.virtgate.contracts.events.HostAccessGranted;
import dev.virtgate.credential.config.CredentialConfig;
import dev.virtgate.credential.openbao.OpenBaoClient;
import dev.virtgate.credential.openbao.OpenBaoUnavailableException;
import dev.virtgate.credential.openbao.OpenBaoException;
import dev.virtgate.credential.pki.HostKeys;
import dev.virtgate.credential.repository.ClusterCredentialRepository;
import dev.virtgate.credential.repository.HostMember;
import dev.virtgate.credential.repository.HostMemberRepository;
import dev.virtgate.support.outbox.OutboxWriter;
import io.quarkus.narayana.jta.QuarkusTransaction;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.persistence.LockModeType;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.interfaces.ECPublicKey;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Per-host OpenBao access: AppRole {@code virtgate-host-<hostId>} bound to a policy that reads only
 * the host's own cluster credential and may verify migration-command signatures. Its secret-ids
 * expire ({@code approle.secret-id-ttl}) and allow a few logins ({@code approle.secret-id-num-uses});
 * its tokens are periodic. A grant destroys the secret-ids of the host's earlier grants. The
 * secret-id is response-wrapped (single use, short TTL) and the wrapping token is ECIES-encrypted to
 * the CSR key. OpenBao calls happen outside transactions; a failed grant stays pending and is retried.
 */
@ApplicationScoped
public class HostAccessService {
    private static final Logger LOG = Logger.getLogger(HostAccessService.class);

    @Inject
    OpenBaoClient openBao;

    @Inject
    HostMemberRepository hosts;

    @Inject
    ClusterCredentialRepository clusters;

    @Inject
    CredentialService credentials;

    @Inject
    CredentialStore store;

    @Inject
    CredentialConfig config;

    @Inject
    OutboxWriter outbox;

    public static String roleName(String hostId) {
        return "virtgate-host-" + hostId;
    }

    public String policy(String clusterId) {
        return "path \"" + store.apiPath(clusterId) + "\" {\n  capabilities = [\"read\"]\n}\n"
                + "path \"" + config.approle().transitVerifyPath() + "\" {\n  capabilities = [\"update\"]\n}\n";
    }

    /** Grants access to a host whose enrollment was accepted; no-op if nothing is pending. */
    public void grant(String hostId) {
        HostMember pending = QuarkusTransaction.requiringNew().call(() -> hosts.findById(hostId));
        if (pending == null || pending.pendingGrantCsrPem == null || pending.decommissioned
                || pending.accessRevokePending) {
            return; // an earlier access is revoked first (the reconciler grants on its next pass)
        }
        String csrPem = pending.pendingGrantCsrPem;
        String clusterId = pending.clusterId;
        ECPublicKey hostKey = HostKeys.publicKeyOf(csrPem);
        String role = roleName(hostId);
        openBao.writePolicy(role, policy(clusterId));
        openBao.writeAppRole(role, roleSettings(role));
        String roleId = openBao.roleId(role);
        // Secret-ids of earlier grants (another enrollment: another key) log in no more. Not the ones
        // of this enrollment: a concurrent grant of the same host may be about to announce its own.
        String grant = grantId(csrPem);
        int destroyed = destroySecretIdsOtherThan(role, grant);
        OpenBaoClient.WrappedSecret wrapped = openBao.wrappedSecretId(role, config.approle().wrapTtl(), grant);
        String encrypted = HostKeys.encrypt(hostKey, wrapped.token().getBytes(StandardCharsets.US_ASCII));
        Instant expires = Instant.now().plusSeconds(wrapped.ttlSeconds());
        boolean announced = QuarkusTransaction.requiringNew().call(() -> {
            // The after-commit follow-up and the reconciler's timer may grant the same host at once:
            // the row lock makes exactly one of them announce a grant; the other destroys its secret-id below.
            HostMember host = hosts.findById(hostId, LockModeType.PESSIMISTIC_WRITE);
            if (host == null) {
                return false;
            }
            if (!csrPem.equals(host.pendingGrantCsrPem) || host.decommissioned) {
                if ((host.decommissioned || host.withdrawn()) && !host.accessGranted) {
                    // Decommissioned or withdrawn while the AppRole was being written: nobody else knows it exists.
                    host.accessRevokePending = true;
                }
                return false; // otherwise granted by the other path, or another enrollment is pending (granted next)
            }
            host.pendingGrantCsrPem = null;
            host.accessGranted = true;
            host.accessWithdrawn = null;
            outbox.write(new HostAccessGranted(hostId, clusterId, roleId, encrypted, expires, store.apiPath(clusterId)));
            // The new host catches up with the cluster's current phase.
            clusters.lock(clusterId).ifPresent(credentials::announce);
            LOG.infof("host %s: AppRole %s granted (cluster %s, %d earlier secret-ids destroyed)", hostId, role,
                    clusterId, destroyed);
            return true;
        });
        if (!announced && !wrapped.secretIdAccessor().isEmpty()) {
            // nobody will ever unwrap it: it must not wait out its TTL as a valid login
            openBao.destroySecretId(role, wrapped.secretIdAccessor());
        }
    }

    /**
     * The host role: it carries only its own policy (a single name, as credential-service's own
     * OpenBao policy requires), its secret-ids expire and allow a few logins, and its tokens are
     * periodic (the agent renews its token instead of logging in again), optionally bound to CIDRs.
     */
    public Map<String, Object> roleSettings(String role) {
        CredentialConfig.AppRole approle = config.approle();
        Map<String, Object> settings = new LinkedHashMap<>();
        settings.put("token_policies", role);
        settings.put("token_period", approle.tokenPeriod().toSeconds() + "s");
        settings.put("token_ttl", approle.tokenTtl().toSeconds() + "s");
        settings.put("token_max_ttl", approle.tokenMaxTtl().toSeconds() + "s");
        settings.put("secret_id_num_uses", approle.secretIdNumUses());
        settings.put("secret_id_ttl", approle.secretIdTtl().toSeconds() + "s");
        settings.put("secret_id_bound_cidrs", String.join(",", approle.secretIdBoundCidrs().orElse(List.of())));
        settings.put("token_bound_cidrs", String.join(",", approle.tokenBoundCidrs().orElse(List.of())));
        settings.put("bind_secret_id", true);
        return settings;
    }

    /** Names the enrollment a secret-id is issued for: the CSR it answers (hex SHA-256, shortened). */
    static String grantId(String csrPem) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(csrPem.getBytes(StandardCharsets.US_ASCII));
            return HexFormat.of().formatHex(digest, 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Destroys every secret-id of the role not issued for {@code grant}; returns how many. */
    private int destroySecretIdsOtherThan(String role, String grant) {
        int destroyed = 0;
        for (String accessor : openBao.secretIdAccessors(role)) {
            try {
                Optional<Map<String, String>> metadata = openBao.secretIdMetadata(role, accessor);
                if (metadata.isEmpty() || grant.equals(metadata.get().get(OpenBaoClient.GRANT_METADATA))) {
                    continue; // gone meanwhile, or issued for this very enrollment
                }
                openBao.destroySecretId(role, accessor);
                destroyed++;
            } catch (OpenBaoException | OpenBaoUnavailableException e) {
                // OpenBao answers 500, not 404, for an accessor a concurrent grant has just destroyed
                if (openBao.secretIdAccessors(role).contains(accessor)) {
                    throw e;
                }
            }
        }
        return destroyed;
    }

    /**
     * Ends every access of a decommissioned host, or of one whose certificate was revoked: its
     * secret-ids are destroyed (they no longer log in), the tokens already issued through its role
     * are refused (the role's identity entity is disabled, so a policy of the same name written for a
     * later grant does not bring them back), then the policy and the role are deleted. The role goes
     * last: a retry after a partial failure still finds its id. Only then is the host no longer
     * pending, which is what an owed rotation waits for.
     */
    public void revoke(String hostId) {
        String role = roleName(hostId);
        Optional<String> roleId = openBao.existingRoleId(role);
        List<String> secretIds = roleId.isPresent() ? openBao.secretIdAccessors(role) : List.of();
        secretIds.forEach(accessor -> openBao.destroySecretId(role, accessor));
        roleId.ifPresent(openBao::disableLogins);
        openBao.deletePolicy(role);
        openBao.deleteAppRole(role);
        QuarkusTransaction.requiringNew().run(() -> {
            HostMember host = hosts.findById(hostId, LockModeType.PESSIMISTIC_WRITE);
            if (host != null) {
                host.accessRevokePending = false;
                host.accessGranted = false;
            }
        });
        LOG.infof("host %s: AppRole %s revoked (%d secret-ids destroyed, its tokens refused)", hostId, role,
                secretIds.size());
    }
}
