package dev.virtgate.agent.openbao;

import com.fasterxml.jackson.databind.JsonNode;
import dev.virtgate.agent.command.CommandVerifier;
import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.agent.pki.Ecies;
import dev.virtgate.agent.service.AccessGrants;
import dev.virtgate.agent.service.CredentialSource;
import dev.virtgate.contracts.events.HostAccessGranted;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.jboss.logging.Logger;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The host's own OpenBao identity: the wrapping token from HostAccessGranted (decrypted with the
 * host key) is unwrapped once into a secret-id, kept 0600 like the private key, and used for an
 * AppRole login. With that token the agent reads its cluster's SASL credential and verifies
 * migration command signatures (transit/verify).
 * <p>
 * A secret-id expires and allows only a few logins (credential-service's
 * {@code approle.secret-id-ttl} and {@code secret-id-num-uses}), so the agent logs in once per grant
 * and then keeps its token: it renews it once half its lease has passed (on use, and every
 * {@code openbao.renew-check} when idle; the host role's tokens are periodic, so renewed they do not
 * expire), keeps it 0600 next to the secret-id so that a restart renews it instead of logging in,
 * and logs in again only when OpenBao no longer knows it (lapsed while the agent was stopped for
 * longer than the period, or revoked). A 403 that a valid token gets is a refusal by policy and
 * costs no login.
 */
@ApplicationScoped
public class OpenBaoAccess implements CredentialSource, CommandVerifier, AccessGrants {
    private static final Logger LOG = Logger.getLogger(OpenBaoAccess.class);

    private final Map<String, String> passwords = new ConcurrentHashMap<>();
    private Session session; // guarded by this
    private volatile boolean keepAliveFailing;
    private OpenBaoClient client;
    private AgentPaths paths;

    /** A token and when to renew it (half its lease); a token read from disk is renewed at first use. */
    private record Session(String token, Instant renewAfter) {
        static Session of(OpenBaoClient.Login login) {
            return new Session(login.token(), renewAfter(login.leaseSeconds()));
        }

        static Instant renewAfter(long leaseSeconds) {
            return leaseSeconds <= 0 ? Instant.MAX : Instant.now().plusSeconds(Math.max(1, leaseSeconds / 2));
        }

        @Override
        public String toString() {
            return "Session[token=<redacted>, renewAfter=" + renewAfter + "]";
        }
    }

    @Inject
    AgentConfig config;

    OpenBaoAccess() {
    }

    public OpenBaoAccess(AgentConfig config) {
        this.config = config;
    }

    private synchronized OpenBaoClient client() {
        if (client == null) {
            client = new OpenBaoClient(config.openbao().url());
            paths = new AgentPaths(config.paths());
        }
        return client;
    }

    @Override
    public void onAccessGranted(HostAccessGranted e, PrivateKey hostKey) {
        synchronized (this) {
            if (e.wrapExpiresAt().isBefore(Instant.now())) {
                throw new IllegalStateException("wrapping token expired before it arrived; ask for new access");
            }
            String wrappingToken = Ecies.decrypt(hostKey, e.encryptedWrappingToken());
            String secretId = client().unwrapSecretId(wrappingToken);
            SecureFiles.writeAtomically(secretIdFile(), secretId.getBytes(StandardCharsets.UTF_8), "rw-------", null);
            SecureFiles.writeAtomically(roleIdFile(), e.roleId().getBytes(StandardCharsets.UTF_8), "rw-------", null);
            Optional<String> previous = Optional.ofNullable(session).map(Session::token).or(this::storedToken);
            login(e.roleId(), secretId);
            // the token of an earlier grant is of no more use: refused from now on (best effort)
            previous.filter(t -> !t.equals(session.token())).ifPresent(this::revokeQuietly);
        }
        // Outside the monitor: a password() lookup holds a map bin while it waits for token().
        passwords.clear();
    }

    public boolean hasAccess() {
        client();
        return hasToken() || (SecureFiles.read(secretIdFile()).isPresent() && SecureFiles.read(roleIdFile()).isPresent());
    }

    private synchronized boolean hasToken() {
        return session != null || SecureFiles.read(tokenFile()).isPresent();
    }

    /** The current token, renewed first when half its lease has passed; a login only when there is none. */
    private synchronized String token() {
        client();
        if (session == null) {
            Optional<String> stored = storedToken();
            if (stored.isPresent()) {
                session = new Session(stored.get(), Instant.EPOCH); // its lease is unknown: renew now
            } else {
                loginWithStoredSecretId();
            }
        }
        if (!Instant.now().isBefore(session.renewAfter())) {
            renew();
        }
        return session.token();
    }

    private void renew() {
        try {
            session = new Session(session.token(), Session.renewAfter(client().renewSelf(session.token())));
        } catch (OpenBaoClient.OpenBaoException e) {
            if (e.status() == 403) {
                loginWithStoredSecretId(); // lapsed or revoked
            } else if (e.status() == 400) {
                session = new Session(session.token(), Instant.MAX); // not renewable: used until it expires
            } else {
                throw e; // OpenBao away: the token stays, renewal is tried again on next use
            }
        }
    }

    private void loginWithStoredSecretId() {
        String roleId = SecureFiles.read(roleIdFile()).map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseThrow(() -> new IllegalStateException("no OpenBao access granted yet"));
        String secretId = SecureFiles.read(secretIdFile()).map(b -> new String(b, StandardCharsets.UTF_8))
                .orElseThrow(() -> new IllegalStateException("no OpenBao access granted yet"));
        login(roleId, secretId);
    }

    private void login(String roleId, String secretId) {
        OpenBaoClient.Login login = client().login(roleId, secretId);
        session = Session.of(login);
        SecureFiles.writeAtomically(tokenFile(), login.token().getBytes(StandardCharsets.UTF_8), "rw-------", null);
        LOG.info("logged in to OpenBao with the host's AppRole");
    }

    private Optional<String> storedToken() {
        return SecureFiles.read(tokenFile()).map(b -> new String(b, StandardCharsets.UTF_8).strip())
                .filter(t -> !t.isEmpty());
    }

    private void revokeQuietly(String token) {
        try {
            client().revokeSelf(token);
        } catch (RuntimeException e) {
            LOG.debugf("the previous OpenBao token could not be revoked (%s); it lapses unrenewed",
                    e.getClass().getSimpleName());
        }
    }

    private <T> T withToken(java.util.function.Function<String, T> call) {
        String token = token();
        try {
            return call.apply(token);
        } catch (OpenBaoClient.OpenBaoException e) {
            if (e.status() != 403) {
                throw e;
            }
            synchronized (this) {
                if (session != null && session.token().equals(token)) {
                    if (client().tokenValid(token)) {
                        throw e; // refused by policy: another login would change nothing
                    }
                    loginWithStoredSecretId(); // OpenBao forgot the token: log in again once
                }
            }
            return call.apply(token());
        }
    }

    /**
     * Renews the token when half its lease has passed, also while the agent has nothing to read or
     * verify, so that an idle host keeps its access without spending a login of its secret-id.
     */
    @Scheduled(every = "${virtgate.agent.openbao.renew-check:1m}", delayed = "${virtgate.agent.openbao.renew-check:1m}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    public void keepAlive() {
        if (!hasAccess()) {
            return;
        }
        try {
            token();
            if (keepAliveFailing) {
                LOG.info("OpenBao token renewed again");
                keepAliveFailing = false;
            }
        } catch (RuntimeException e) {
            if (!keepAliveFailing) {
                LOG.warnf("cannot renew the OpenBao token (%s); trying again every %s", e.getMessage(),
                        config.openbao().renewCheck());
                keepAliveFailing = true;
            }
        }
    }

    @Override
    public String password(String kvPath, int kvVersion) {
        String path = kvPath.replaceFirst("^" + config.openbao().kvMount() + "/data/", "");
        String key = path + "#" + kvVersion;
        String cached = passwords.get(key);
        if (cached != null) {
            return cached;
        }
        // Read outside the map: computeIfAbsent would hold a bin lock while token() waits for the
        // monitor, and onAccessGranted holds the monitor while clearing the map (deadlock).
        String password = withToken(t -> {
            JsonNode data = client().kvRead(config.openbao().kvMount(), path, kvVersion, t);
            if (!data.hasNonNull("password")) {
                throw new IllegalStateException("credential version " + kvVersion + " has no password");
            }
            return data.get("password").asText();
        });
        passwords.put(key, password);
        return password;
    }

    @Override
    public boolean verify(byte[] payload, String signature) {
        return withToken(t -> client().verify(config.openbao().transitMount(), config.openbao().migrationSigningKey(),
                payload, signature, t));
    }

    private Path secretIdFile() {
        client();
        return paths.stateDir.resolve("openbao-secret-id");
    }

    private Path roleIdFile() {
        client();
        return paths.stateDir.resolve("openbao-role-id");
    }

    private Path tokenFile() {
        client();
        return paths.stateDir.resolve("openbao-token");
    }
}
