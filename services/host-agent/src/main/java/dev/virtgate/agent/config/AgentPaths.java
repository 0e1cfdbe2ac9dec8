package dev.virtgate.agent.config;

import dev.virtgate.agent.conf.ConfigValues;
import dev.virtgate.agent.config.AgentConfig;

import java.nio.file.Path;

/**
 * Logical paths (as libvirtd sees them; written into config files) and where the agent reads and
 * writes them: root + logical path.
 */
public final class AgentPaths {
    private final Path root;
    public final String libvirtDir;
    public final String pkiDir;
    public final String qemuTlsDir;
    public final String saslDir;
    public final Path stateDir;
    public final Path saslPluginDir;

    public AgentPaths(AgentConfig.Paths p) {
        this.root = Path.of(p.root());
        this.libvirtDir = ConfigValues.path("paths.libvirt-dir", p.libvirtDir());
        this.pkiDir = ConfigValues.path("paths.pki-dir", p.pkiDir());
        this.qemuTlsDir = ConfigValues.path("paths.qemu-tls-dir", p.qemuTlsDir());
        this.saslDir = ConfigValues.path("paths.sasl-dir", p.saslDir());
        this.stateDir = onHost(ConfigValues.path("paths.state-dir", p.stateDir()));
        this.saslPluginDir = Path.of(p.saslPluginDir());
    }

    public Path onHost(String logical) {
        return root.resolve(logical.substring(1));
    }

    public String libvirtdConf() {
        return libvirtDir + "/libvirtd.conf";
    }

    public String qemuConf() {
        return libvirtDir + "/qemu.conf";
    }

    public String authConf() {
        return libvirtDir + "/auth.conf";
    }

    public String sasldb() {
        return libvirtDir + "/passwd.db";
    }

    public String saslConf() {
        return saslDir + "/libvirt.conf";
    }

    public String caCert() {
        return pkiDir + "/CA/cacert.pem";
    }

    public String crl() {
        return pkiDir + "/CA/cacrl.pem";
    }

    public String serverCert() {
        return pkiDir + "/libvirt/servercert.pem";
    }

    public String clientCert() {
        return pkiDir + "/libvirt/clientcert.pem";
    }

    public String serverKey() {
        return pkiDir + "/libvirt/private/serverkey.pem";
    }

    public String clientKey() {
        return pkiDir + "/libvirt/private/clientkey.pem";
    }

    public Path stateFile() {
        return stateDir.resolve("state.json");
    }

    public Path hostKeyFile() {
        return stateDir.resolve("host-key.pem");
    }

    /** The key a renewal CSR was made for, until its certificate arrives and it replaces the host key. */
    public Path nextHostKeyFile() {
        return stateDir.resolve("host-key.next.pem");
    }

    public Path tokenFile() {
        return stateDir.resolve("openbao-token");
    }

    public Path previousDir() {
        return stateDir.resolve("previous");
    }

    public Path probeDir() {
        return stateDir.resolve("probe");
    }
}
