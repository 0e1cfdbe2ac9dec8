package dev.virtgate.agent.it;

import dev.virtgate.testsupport.Net;
import dev.virtgate.testsupport.Workspace;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real libvirtd for one test host, in a private mount + UTS namespace (unshare): private copies of
 * /etc/libvirt, /etc/pki, /etc/sasl2, /run/libvirt, /var/lib|cache|log/libvirt are bind-mounted from
 * {@link #root()}, so the machine's own files are never touched. It shares the network namespace and
 * listens on 127.0.0.1 with free ports; the agent under test writes under {@link #root()}.
 * Starts with the insecure lab baseline (listen_tcp=1, auth_tcp="none").
 */
public final class PrivateLibvirtd implements AutoCloseable {
    static final String[] BIND = {"/etc/libvirt", "/etc/pki", "/etc/sasl2", "/run/libvirt", "/var/lib/libvirt",
            "/var/cache/libvirt", "/var/log/libvirt"};
    private final Path root;
    private final String hostname;
    private final int tcpPort;
    private final int tlsPort;
    private final Path ctl;
    private final Path socketLinkDir;
    private final Path sockets;
    private Process holder;

    public PrivateLibvirtd(Path root, String hostname) throws IOException {
        this.root = root.toAbsolutePath();
        this.hostname = hostname;
        this.tcpPort = Net.freePort();
        this.tlsPort = Net.freePort();
        this.ctl = this.root.resolve("libvirtd-ctl.sh");
        // libvirtd's sockets are reached through a short link: root may be too deep for sun_path
        this.socketLinkDir = Workspace.socketDir("libvirt");
        this.sockets = Files.createSymbolicLink(socketLinkDir.resolve("run"), this.root.resolve("run/libvirt"));
    }

    public static boolean available() {
        return Files.isExecutable(Path.of("/usr/sbin/libvirtd")) && Files.isExecutable(Path.of("/usr/bin/unshare"))
                && "root".equals(System.getProperty("user.name"));
    }

    public PrivateLibvirtd start() throws Exception {
        for (String d : BIND) {
            Files.createDirectories(root.resolve(d.substring(1)));
            // a bind mount needs its mount point: a fresh machine has no /etc/pki or /etc/sasl2 (left empty
            // afterwards, as deploy/lab does: another namespace may still mount over it)
            Files.createDirectories(Path.of(d));
        }
        Files.createDirectories(root.resolve("etc/libvirt/qemu"));
        Files.createDirectories(root.resolve("etc/pki/CA"));
        Files.createDirectories(root.resolve("etc/pki/libvirt/private"));
        Files.createDirectories(root.resolve("etc/pki/qemu"));
        Files.createDirectories(root.resolve("var/lib/libvirt/qemu"));
        Files.writeString(root.resolve("etc/libvirt/libvirtd.conf"), """
                # test host baseline -- DELIBERATELY INSECURE, like deploy/lab
                listen_tls = 0
                listen_tcp = 1
                listen_addr = "127.0.0.1"
                tcp_port = "%d"
                tls_port = "%d"
                auth_tcp = "none"
                auth_tls = "none"
                # an operator's own setting the agent must keep
                unix_sock_group = "root"
                unix_sock_rw_perms = "0770"
                admin_unix_sock_dir = "/run/libvirt"
                log_outputs = "3:file:/var/log/libvirt/libvirtd.log"
                """.formatted(tcpPort, tlsPort));
        Files.writeString(root.resolve("etc/libvirt/qemu.conf"), """
                user = "root"
                group = "root"
                dynamic_ownership = 0
                security_driver = "none"
                stdio_handler = "file"
                """);
        Files.writeString(root.resolve("etc/libvirt/libvirt.conf"), "uri_default = \"qemu:///system\"\n");
        Files.writeString(root.resolve("etc/sasl2/libvirt.conf"), "mech_list: digest-md5\nsasldb_path: /etc/libvirt/passwd.db\n");
        Path cache = Path.of("/run/virtgate-lab/hosts/vg-h1/var/cache/libvirt/qemu/capabilities");
        if (Files.isDirectory(cache)) { // skip the ~8 s QEMU probe when a lab host already did it
            Path to = root.resolve("var/cache/libvirt/qemu/capabilities");
            Files.createDirectories(to);
            try (var files = Files.list(cache)) {
                for (Path f : files.toList()) {
                    Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
        try (var in = PrivateLibvirtd.class.getResourceAsStream("/it/libvirtd-ctl.sh")) {
            Files.copy(in, ctl, StandardCopyOption.REPLACE_EXISTING);
        }
        ctl.toFile().setExecutable(true);
        StringBuilder script = new StringBuilder("set -e\n");
        for (String d : BIND) {
            script.append("mount --bind ").append(root.resolve(d.substring(1))).append(' ').append(d).append('\n');
        }
        script.append("hostname ").append(hostname).append('\n')
                .append("bash ").append(ctl).append(" start\n")
                .append("touch ").append(root.resolve("ready")).append('\n')
                .append("exec sleep infinity\n");
        holder = new ProcessBuilder("unshare", "--mount", "--uts", "--propagation", "private", "--", "bash", "-c",
                script.toString()).redirectErrorStream(true).redirectOutput(root.resolve("holder.log").toFile()).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (!Files.exists(root.resolve("ready"))) {
            if (!holder.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("test libvirtd did not start: " + Files.readString(root.resolve("holder.log")));
            }
            holder.waitFor(100, TimeUnit.MILLISECONDS);
        }
        return this;
    }

    public List<String> ctlCommand(String action) {
        return new ArrayList<>(List.of("nsenter", "-t", Long.toString(holder.pid()), "-m", "-u", "--", "bash",
                ctl.toString(), action));
    }

    public String ctl(String action) throws Exception {
        Process p = new ProcessBuilder(ctlCommand(action)).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes()).strip();
        if (p.waitFor() != 0) {
            throw new IllegalStateException("libvirtd " + action + " failed: " + out);
        }
        return out;
    }

    public Path root() {
        return root;
    }

    public int tcpPort() {
        return tcpPort;
    }

    public int tlsPort() {
        return tlsPort;
    }

    public String libvirtUri() {
        return "qemu:///system?socket=" + sockets.resolve("libvirt-sock");
    }

    public String adminUri() {
        return "libvirtd:///system?socket=" + sockets.resolve("libvirt-admin-sock");
    }

    public String log() throws IOException {
        Path log = root.resolve("var/log/libvirt/libvirtd.log");
        return Files.exists(log) ? Files.readString(log) : "";
    }

    @Override
    public void close() throws Exception {
        Workspace.deleteTree(socketLinkDir);
        if (holder == null) {
            return;
        }
        try {
            ctl("stop");
        } catch (Exception ignored) {
            // holder may be gone
        }
        holder.destroy();
        if (!holder.waitFor(10, TimeUnit.SECONDS)) {
            holder.destroyForcibly();
        }
    }
}
