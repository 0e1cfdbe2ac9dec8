package dev.virtgate.testsupport;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * This machine as a package would see it, without ever writing to it: each command runs in a
 * private mount namespace ({@code unshare --mount --propagation private}) where /usr, /etc and /var
 * are overlays whose writes go to {@code dir/upper} (resource {@code virtgate-deb-sandbox/sandbox.sh},
 * copied to {@code dir}). dpkg, its maintainer scripts, systemd-analyze and the installed agent run
 * as on a real host; the overlays go with the namespace when the command exits, and {@link #close()}
 * deletes what was written. Successive commands see each other's writes (the upper directories
 * stay): install, then remove. {@link #inside} runs every command in another host's namespaces
 * first (a lab host: {@code nsenter -t <pid> -n -m -u --}); mounts below /usr, /etc and /var that
 * host has (its private /etc/libvirt, /etc/pki, /etc/hosts...) stay on top of the overlays.
 */
public final class DebSandbox implements AutoCloseable {
    private static final String RESOURCE = "/virtgate-deb-sandbox/sandbox.sh";

    public record Result(int exit, String out, String err) {
        public String both() {
            return out + err;
        }
    }

    private final Path dir;
    private final Path script;
    private final List<String> enter;

    public DebSandbox(Path dir) {
        this(dir, List.of());
    }

    private DebSandbox(Path dir, List<String> enter) {
        this.dir = dir.toAbsolutePath();
        this.script = this.dir.resolve("sandbox.sh");
        this.enter = List.copyOf(enter);
        if (!Files.exists(script)) {
            try (InputStream in = DebSandbox.class.getResourceAsStream(RESOURCE)) {
                Files.createDirectories(this.dir);
                Files.write(script, in.readAllBytes());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A sandbox in {@code dir} whose commands run after {@code enter} (e.g. nsenter into a lab host). */
    public static DebSandbox inside(List<String> enter, Path dir) {
        return new DebSandbox(dir, enter);
    }

    public static boolean available() {
        return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/bin/unshare"))
                && Files.isExecutable(Path.of("/usr/bin/dpkg"));
    }

    public Path dir() {
        return dir;
    }

    /** The command line that runs {@code command} inside the sandbox (exec all the way: its PID is the command's). */
    public List<String> command(String... command) {
        List<String> cmd = new ArrayList<>(enter);
        cmd.addAll(List.of("unshare", "--mount", "--propagation", "private", "--", "bash", script.toString(), dir.toString()));
        cmd.addAll(List.of(command));
        return cmd;
    }

    public Result run(String... command) throws IOException, InterruptedException {
        return run(Map.of(), command);
    }

    public Result run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile(dir, "stderr", ".txt");
        ProcessBuilder pb = new ProcessBuilder(command(command)).redirectError(err.toFile())
                .redirectInput(new File("/dev/null"));
        pb.environment().putAll(env);
        pb.environment().put("DEBIAN_FRONTEND", "noninteractive");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(5, TimeUnit.MINUTES)) {
            p.destroyForcibly();
            throw new IllegalStateException("timed out: " + String.join(" ", command));
        }
        String error = Files.readString(err);
        Files.delete(err);
        return new Result(p.exitValue(), out, error);
    }

    /** {@code <octal mode> <user>:<group>} of each path as the sandbox sees it, or "missing". */
    public String stat(String path) throws IOException, InterruptedException {
        Result r = run("stat", "-c", "%a %U:%G", path);
        return r.exit() == 0 ? r.out().strip() : "missing";
    }

    public String read(String path) throws IOException, InterruptedException {
        Result r = run("cat", path);
        if (r.exit() != 0) {
            throw new IllegalStateException("cannot read " + path + ": " + r.err());
        }
        return r.out();
    }

    public void write(String path, String content) throws IOException, InterruptedException {
        Path staged = Files.writeString(Files.createTempFile(dir, "staged", ".txt"), content);
        Result r = run("sh", "-c", "mkdir -p \"$(dirname \"$2\")\" && cp \"$1\" \"$2\"", "write", staged.toString(), path);
        Files.delete(staged);
        if (r.exit() != 0) {
            throw new IllegalStateException("cannot write " + path + ": " + r.err());
        }
    }

    @Override
    public void close() {
        Workspace.deleteTree(dir);
    }
}
