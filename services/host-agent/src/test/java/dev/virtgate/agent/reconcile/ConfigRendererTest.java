package dev.virtgate.agent.reconcile;

import dev.virtgate.agent.config.AgentConfig;
import dev.virtgate.agent.config.AgentPaths;
import dev.virtgate.agent.it.TestAgents;
import dev.virtgate.agent.state.AgentState;
import dev.virtgate.contracts.events.CheckStatus;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ConfigRendererTest {

    @TempDir
    Path root;

    AgentConfig config(Map<String, String> extra) {
        Map<String, String> m = new HashMap<>();
        m.put("host-id", "vg-h2");
        m.put("cluster-id", "lab");
        m.put("fqdn", "VG-H2.lab.virtgate.test");
        m.put("management-address", "198.18.42.12");
        m.put("paths.root", root.toString());
        m.put("openbao.url", "http://127.0.0.1:1");
        m.putAll(extra);
        return TestAgents.config(m);
    }

    ConfigRenderer renderer(AgentConfig config) {
        return new ConfigRenderer(config, new AgentPaths(config.paths()), "qemu");
    }

    static AgentState withCredential(String phase, int version, List<String> accepted) {
        AgentState s = new AgentState();
        s.credential = new AgentState.Credential("rot", "virtgate-v" + version, version, "secret/data/x", version, phase,
                version > 1 ? "virtgate-v" + (version - 1) : null, version > 1 ? version - 1 : null, accepted);
        return s;
    }

    @Test
    void realmDefaultsToTheLowerCasedFqdnAsLibvirtUsesIt() {
        assertThat(renderer(config(Map.of())).realm()).isEqualTo("vg-h2.lab.virtgate.test");
        assertThat(renderer(config(Map.of("sasl-realm", "other.example"))).realm()).isEqualTo("other.example");
    }

    @Test
    void aRotationDoesNotChangeTheAllowedUsernamesSoLibvirtdIsNotRestarted() {
        ConfigRenderer r = renderer(config(Map.of()));
        List<String> v1 = r.allowedUsers(withCredential("ACTIVE", 1, List.of("virtgate-v1")));
        List<String> staged = r.allowedUsers(withCredential("STAGED", 2, List.of("virtgate-v1", "virtgate-v2")));
        List<String> retired = r.allowedUsers(withCredential("RETIRED", 2, List.of("virtgate-v2")));
        assertThat(v1).containsExactly("virtgate-v*", "virtgate-v*@vg-h2.lab.virtgate.test");
        assertThat(staged).isEqualTo(v1);
        assertThat(retired).isEqualTo(v1);
    }

    @Test
    void anUnversionedUsernameIsListedAsItIs() {
        assertThat(renderer(config(Map.of())).allowedUsers(withCredential("ACTIVE", 1, List.of("operator"))))
                .containsExactly("operator", "operator@vg-h2.lab.virtgate.test");
    }

    @Test
    void aRevokedOwnCertificateIsNoPostureFailure() {
        AgentConfig c = config(Map.of());
        SelfProbe probe = new SelfProbe(c, new AgentPaths(c.paths()), null);
        AgentState s = new AgentState();
        s.certPem = "x";
        s.ownCertRevoked = true;
        assertThat(probe.certificate(s).status()).isEqualTo(CheckStatus.SKIPPED);
    }
}
