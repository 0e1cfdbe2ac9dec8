package dev.virtgate.agent.state;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.virtgate.agent.files.SecureFiles;
import dev.virtgate.contracts.EventCodec;
import dev.virtgate.contracts.events.ClusterPolicyChanged;
import dev.virtgate.contracts.events.ClusterTlsReadinessChanged;
import dev.virtgate.contracts.events.CredentialPhase;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** What the agent has been told and what it applied; persisted (0600) in the state directory. No secrets. */
public final class AgentState {
    private static final ObjectMapper JSON = EventCodec.newObjectMapper();

    private Path file;
    public boolean enrolled;
    /** The CA fingerprint pinned at enrollment ({@code sha256:<hex>}, from the operator's enrollment bundle). */
    public String caFingerprint;
    public String roleId;
    public String credentialKvPath;
    public String certPem;
    public List<String> chainPem = new ArrayList<>();
    /** The trusted CAs (pinned, or signed by a pinned one): exactly what cacert.pem holds. */
    public List<String> caBundlePem = new ArrayList<>();
    public String certSerial;
    public Instant certNotAfter;
    public String libvirtDn;
    /** What crl.pem holds: the applied CRLs of {@link #crls}, concatenated. */
    public String crlPem;
    /** Issuer (RFC 2253) -> the CRL applied for that CA and its CRL number; a CRL replaces only a lower number. */
    public Map<String, AppliedCrl> crls = new TreeMap<>();
    /** volatile: the migration proxy's threads read it without AgentService's monitor. */
    public volatile boolean ownCertRevoked;
    /** The broker refused this host's certificate its topics (revoked, decommissioned): TCP stays closed. */
    public boolean busAccessLost;
    /** hostId -> libvirt DN of every peer of this cluster with a current certificate. */
    public Map<String, String> peerDns = new TreeMap<>();
    public Map<String, String> peerSerials = new TreeMap<>();
    public String hostUuid;
    public Credential credential;
    /**
     * The cluster's policy with the highest revision seen (null: none yet, see ClusterPolicy.DEFAULT).
     * volatile: the migration proxy's threads read it without AgentService's monitor.
     */
    public volatile ClusterPolicyChanged policy;
    /** The cluster's latest native-TLS readiness (highest revision), for the cloud integration. */
    public ClusterTlsReadinessChanged tlsReadiness;
    /** user -> kv version whose password is in the SASL db. */
    public Map<String, Integer> saslUsers = new TreeMap<>();
    /** logical path -> sha256 of the content last applied. */
    public Map<String, String> appliedDigests = new TreeMap<>();
    public Set<String> seenMigrations = new LinkedHashSet<>();

    public record AppliedCrl(String pem, BigInteger number) {
    }

    public record Credential(String rotationId, String username, int version, String kvPath, int kvVersion,
            String phase, String previousUsername, Integer previousKvVersion, List<String> acceptedUsernames) {

        /** The user this host's libvirtd presents to peers: the new one only once every host accepts it. */
        public String clientUsername() {
            return "STAGED".equals(phase) && previousUsername != null ? previousUsername : username;
        }

        public int clientKvVersion() {
            return "STAGED".equals(phase) && previousUsername != null && previousKvVersion != null
                    ? previousKvVersion : kvVersion;
        }

        /** A rotation moves version by version, each STAGED, ACTIVE, RETIRED: anything before this is a replay. */
        public boolean isNewerThan(int otherVersion, CredentialPhase otherPhase) {
            return version > otherVersion
                    || (version == otherVersion && CredentialPhase.valueOf(phase).ordinal() > otherPhase.ordinal());
        }

        public Integer kvVersionOf(String user) {
            if (user.equals(username)) {
                return kvVersion;
            }
            return user.equals(previousUsername) ? previousKvVersion : null;
        }
    }

    public static AgentState load(Path file) {
        try {
            AgentState state = Files.exists(file) ? JSON.readValue(file.toFile(), AgentState.class) : new AgentState();
            state.file = file;
            return state;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read agent state " + file, e);
        }
    }

    /** Writes the state back to the file it was loaded from. */
    public void save() {
        save(file);
    }

    public void save(Path file) {
        try {
            SecureFiles.writeAtomically(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(this),
                    "rw-------", null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
