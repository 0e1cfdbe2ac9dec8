package dev.virtgate.e2e.lab;

import dev.virtgate.testsupport.Workspace;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The namespaced hypervisor lab of {@code deploy/lab}: lab.sh (hosts), forward.sh (control-plane
 * ports inside a host), guest.sh (the counting guest) and attacker.sh, driven as processes.
 */
public final class LabHosts {
    public static final String DOMAIN = "lab.virtgate.test";
    private final Path labDir;
    private final Path logDir;
    private Map<String, String> env = Map.of();

    public LabHosts(Path logDir) {
        this.labDir = Workspace.repositoryRoot().resolve("deploy/lab");
        this.logDir = logDir;
    }

    /** True when this machine can run the lab at all (root, the lab scripts, nsenter). */
    public static boolean supported() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/nsenter"));
    }

    public void create(int hosts, boolean attacker) {
        List<String> args = new ArrayList<>(List.of("create", String.valueOf(hosts)));
        if (attacker) {
            args.add("--attacker");
        }
        lab(Duration.ofMinutes(5), args.toArray(String[]::new));
        refreshEnv();
    }

    public void destroy() {
        lab(Duration.ofMinutes(2), "destroy");
    }

    /** True when a lab (of anyone) exists on this machine: the namespace names are fixed. */
    public boolean exists() {
        return Files.exists(Path.of(stateDir(), ".virtgate-lab"));
    }

    public void refreshEnv() {
        Map<String, String> parsed = new LinkedHashMap<>();
        for (String line : lab(Duration.ofSeconds(30), "env").out().split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) {
                String v = line.substring(eq + 1);
                if (v.length() >= 2 && v.startsWith("'") && v.endsWith("'")) {
                    v = v.substring(1, v.length() - 1);
                }
                parsed.put(line.substring(0, eq), v);
            }
        }
        env = parsed;
    }

    public String env(String key) {
        String v = env.get(key);
        if (v == null) {
            throw new IllegalStateException("lab.sh env has no " + key);
        }
        return v;
    }

    private static String key(String host) {
        return "VIRTGATE_LAB_" + host.replace('-', '_').toUpperCase();
    }

    public String fqdn(String host) {
        return env(key(host) + "_FQDN");
    }

    public String address(String host) {
        return env(key(host) + "_ADDR");
    }

    /** The hypervisor's address on the dedicated migration network (its eth1). */
    public String migrationAddress(String host) {
        return env(key(host) + "_MIGRATION_ADDR");
    }

    /** Bytes received so far on each interface of a host, from its own /proc/net/dev. */
    public Map<String, Long> rxBytes(String host) {
        Map<String, Long> rx = new java.util.TreeMap<>();
        for (String line : exec(host, "cat", "/proc/net/dev").check().out().lines().skip(2).toList()) {
            String[] parts = line.trim().split("[:\\s]+");
            rx.put(parts[0], Long.parseLong(parts[1]));
        }
        return rx;
    }

    public long holderPid(String host) {
        return Long.parseLong(env(key(host) + "_PID"));
    }

    public Path hostDir(String host) {
        return Path.of(env(key(host) + "_DIR"));
    }

    public String saslRealm(String host) {
        return env(key(host) + "_SASL_REALM");
    }

    public String stateDir() {
        return env.getOrDefault("VIRTGATE_LAB_STATE", System.getenv().getOrDefault("VIRTGATE_LAB_STATE", "/run/virtgate-lab"));
    }

    public Path libvirtdCtl() {
        return labDir.resolve("lib/libvirtd-ctl.sh");
    }

    /** 127.0.0.1:port inside the host reaches 127.0.0.1:port of this (root) namespace. */
    public void forward(String host, int... ports) {
        List<String> args = new ArrayList<>(List.of("start", host));
        Arrays.stream(ports).forEach(p -> args.add(String.valueOf(p)));
        run(Duration.ofSeconds(60), labDir.resolve("forward.sh"), args.toArray(String[]::new)).check();
    }

    public Result exec(String host, String... cmd) {
        String[] args = new String[cmd.length + 2];
        args[0] = "exec";
        args[1] = host;
        System.arraycopy(cmd, 0, args, 2, cmd.length);
        return run(Duration.ofSeconds(120), labDir.resolve("lab.sh"), args);
    }

    public Result virsh(String host, String... args) {
        String[] cmd = new String[args.length + 4];
        cmd[0] = "virsh";
        cmd[1] = "-q";
        cmd[2] = "-c";
        cmd[3] = "qemu:///system";
        System.arraycopy(args, 0, cmd, 4, args.length);
        return exec(host, cmd);
    }

    public void startGuest(String host, String name, Map<String, String> guestEnv) {
        run(Duration.ofMinutes(10), labDir.resolve("guest.sh"), guestEnv, "start", host, name).check();
    }

    public void destroyGuest(String host, String name) {
        run(Duration.ofMinutes(1), labDir.resolve("guest.sh"), Map.of(), "destroy", host, name);
    }

    /** The guest's RAM counter; fails when the guest does not run there. */
    public long counter(String host, String name) {
        return Long.parseLong(run(Duration.ofSeconds(30), labDir.resolve("guest.sh"), Map.of(), "counter", host, name)
                .check().out().trim());
    }

    public List<String> runningDomains(String host) {
        return virsh(host, "list", "--name").check().out().lines().map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    public Result attacker(Map<String, String> attackerEnv, String... args) {
        return run(Duration.ofMinutes(5), labDir.resolve("attacker.sh"), attackerEnv, args);
    }

    public Result lab(Duration timeout, String... args) {
        return run(timeout, labDir.resolve("lab.sh"), args).check();
    }

    private Result run(Duration timeout, Path script, String... args) {
        return run(timeout, script, Map.of(), args);
    }

    /** Runs a lab script; stdout is returned, stderr goes to lab-scripts.log. */
    Result run(Duration timeout, Path script, Map<String, String> extraEnv, String... args) {
        List<String> cmd = new ArrayList<>(List.of("bash", script.toString()));
        cmd.addAll(Arrays.asList(args));
        try {
            Files.createDirectories(logDir);
            Path out = Files.createTempFile(logDir, "lab-", ".out");
            Path log = logDir.resolve("lab-scripts.log");
            Files.writeString(log, "\n$ " + String.join(" ", cmd) + "\n", StandardCharsets.UTF_8,
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile())
                    .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
            pb.environment().putAll(extraEnv);
            Process p = pb.start();
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroy();
                p.waitFor(10, TimeUnit.SECONDS);
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", cmd) + " did not finish within " + timeout);
            }
            String stdout = Files.readString(out);
            Files.deleteIfExists(out);
            return new Result(String.join(" ", cmd), p.exitValue(), stdout, log);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public record Result(String command, int exit, String out, Path log) {
        public Result check() {
            if (exit != 0) {
                throw new IllegalStateException(command + " exited " + exit + "; stdout: " + out + " (stderr in " + log + ")");
            }
            return this;
        }
    }
}
