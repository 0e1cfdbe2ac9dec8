package dev.virtgate.testsupport;

import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each control-plane service's OpenBao identity, applied to a test server the way the stack's
 * bootstrap ({@code deploy/openbao/bootstrap-services.sh}) applies it, from the same files: policy
 * {@code virtgate-<service>} from {@code deploy/openbao/policies/<service>.hcl}, AppRole
 * {@code virtgate-<service>} with the settings of {@code deploy/openbao/service-approle.conf}. The
 * role-id and secret-id are chosen here (custom ids), so that a dev server restarted empty gets the
 * very same logins back and the services keep logging in. Applying needs an admin token: the test
 * harness plays the bootstrap; no service gets that token.
 */
public final class ServicePolicies {
    /** The services with an OpenBao identity of their own (host agents get theirs from credential-service). */
    public static final List<String> SERVICES = List.of("pki-service", "credential-service", "migration-service");

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    /** One set of logins per JVM and server address. */
    private static final Map<String, Map<String, AppRoleLogin>> LOGINS = new ConcurrentHashMap<>();

    private ServicePolicies() {
    }

    public static String roleName(String service) {
        return "virtgate-" + service;
    }

    public static Path policyFile(String service) {
        return Workspace.repositoryRoot().resolve("deploy/openbao/policies").resolve(service + ".hcl");
    }

    /** The logins of the services on the server at {@code address} (chosen once per JVM). */
    public static Map<String, AppRoleLogin> logins(String address) {
        return LOGINS.computeIfAbsent(address, a -> {
            Map<String, AppRoleLogin> logins = new LinkedHashMap<>();
            for (String service : SERVICES) {
                logins.put(service, new AppRoleLogin(roleName(service) + "-" + UUID.randomUUID(),
                        UUID.randomUUID().toString()));
            }
            return Map.copyOf(logins);
        });
    }

    /**
     * Writes every service's policy and AppRole with {@code adminToken} and makes its login of
     * {@link #logins(String)} valid; idempotent. {@code boundCidrs} (comma-separated, may be empty)
     * binds the services' secret-ids and tokens as the local stack binds them to loopback.
     */
    public static Map<String, AppRoleLogin> apply(String address, String adminToken, String boundCidrs) {
        Map<String, AppRoleLogin> logins = logins(address);
        Map<String, Object> roleSettings = approleSettings();
        for (String service : SERVICES) {
            String role = roleName(service);
            AppRoleLogin login = logins.get(service);
            String policy;
            try {
                policy = Files.readString(policyFile(service));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            call(address, adminToken, "PUT", "sys/policies/acl/" + role, Map.of("policy", policy));
            Map<String, Object> settings = new LinkedHashMap<>(roleSettings);
            settings.put("token_policies", role);
            settings.put("secret_id_bound_cidrs", boundCidrs);
            settings.put("token_bound_cidrs", boundCidrs);
            call(address, adminToken, "POST", "auth/approle/role/" + role, settings);
            call(address, adminToken, "POST", "auth/approle/role/" + role + "/role-id",
                    Map.of("role_id", login.roleId()));
            HttpResponse<String> known = send(address, adminToken, "POST", "auth/approle/role/" + role
                    + "/secret-id/lookup", Map.of("secret_id", login.secretId()));
            if (known.statusCode() != 200 || !known.body().contains("secret_id_accessor")) {
                call(address, adminToken, "POST", "auth/approle/role/" + role + "/custom-secret-id",
                        Map.of("secret_id", login.secretId()));
            }
        }
        return logins;
    }

    /** {@code deploy/openbao/service-approle.conf}: key=value lines, comments and blank lines ignored. */
    static Map<String, Object> approleSettings() {
        Map<String, Object> settings = new LinkedHashMap<>();
        try {
            for (String line : Files.readAllLines(Workspace.repositoryRoot().resolve("deploy/openbao/service-approle.conf"))) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int eq = l.indexOf('=');
                settings.put(l.substring(0, eq), l.substring(eq + 1));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return settings;
    }

    private static void call(String address, String token, String method, String path, Object body) {
        HttpResponse<String> response = send(address, token, method, path, body);
        if (response.statusCode() >= 300) {
            // the body holds OpenBao's reason (no secret: the requests' ids are never echoed)
            throw new IllegalStateException("OpenBao " + method + " " + path + " -> " + response.statusCode() + " "
                    + response.body().replaceAll("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "<id>"));
        }
    }

    private static HttpResponse<String> send(String address, String token, String method, String path, Object body) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(address + "/v1/" + path))
                    .timeout(Duration.ofSeconds(10)).header("X-Vault-Token", token)
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body))).build();
            return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
